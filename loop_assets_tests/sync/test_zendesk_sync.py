"""Zendesk syncs through real Dagster runs against the sandbox: batches, idempotent resends, overrides, rejections."""

from __future__ import annotations

import math

import duckdb
import pytest

from loop_assets.sync.specs import SyncSpec

from .conftest import checks, extract, meta, sync, write_model

ORGS = SyncSpec(
    "zendesk", "zendesk_organizations", "test_orgs_sync", "test_orgs", "organization_id",
    (("loop_tier", "organization_fields.loop_tier"), ("loop_score", "organization_fields.loop_score")),
    raw="zendesk__organizations", batch_size=10, requests_per_second=1000, max_change_share=0.5,
)
TIERS = ("strategic", "high", "normal", "low")


def org_rows(sandbox, score_bump: dict | None = None) -> list[dict]:
    ids = sorted(o["id"] for o in sandbox.store().all("zendesk", "organization"))
    bump = score_bump or {}
    return [{"organization_id": i, "loop_tier": TIERS[n % 4], "loop_score": n + bump.get(i, 0)}
            for n, i in enumerate(ids)]


def app_orgs(sandbox) -> dict[int, dict]:
    return {o["id"]: {"loop_tier": o["organization_fields"]["loop_tier"],
                      "loop_score": o["organization_fields"]["loop_score"]}
            for o in sandbox.store().all("zendesk", "organization")}


def model_orgs(rows) -> dict[int, dict]:
    return {r["organization_id"]: {"loop_tier": r["loop_tier"], "loop_score": r["loop_score"]} for r in rows}


def test_first_sync_pushes_every_row_then_a_rerun_sends_nothing_and_k_changes_take_ceil_k_over_batch_jobs(
        fast_sandbox, warehouse):
    rows = org_rows(fast_sandbox)
    write_model(warehouse, "test_orgs", rows)
    first = meta(sync(ORGS, fast_sandbox, warehouse), ORGS)
    assert app_orgs(fast_sandbox) == model_orgs(rows)
    assert first["rows_added"] == len(rows) and first["rows_sent_confirmed"] == len(rows)
    assert first["requests_sent"] == math.ceil(len(rows) / ORGS.batch_size)

    again = meta(sync(ORGS, fast_sandbox, warehouse), ORGS)
    assert (again["rows_unchanged"], again["requests_sent"], again["api_calls"]) == (len(rows), 0, 0)

    changed = [r["organization_id"] for r in rows[:13]]
    rows = org_rows(fast_sandbox, {i: 100 for i in changed})
    write_model(warehouse, "test_orgs", rows)
    third = sync(ORGS, fast_sandbox, warehouse)
    assert meta(third, ORGS)["rows_changed"] == 13
    assert meta(third, ORGS)["requests_sent"] == math.ceil(13 / ORGS.batch_size)
    assert app_orgs(fast_sandbox) == model_orgs(rows)
    assert all(checks(third).values())
    with duckdb.connect(warehouse.database) as conn:
        audited = conn.execute("select count(*) from loop.sync_audit where sync = ? and field = ?",
                               [ORGS.name, "organization_fields.loop_score"]).fetchone()[0]
    assert audited == len(rows) + 13


def test_an_agents_change_in_the_app_is_detected_kept_and_recorded_as_a_conflict(fast_sandbox, warehouse):
    rows = org_rows(fast_sandbox)
    write_model(warehouse, "test_orgs", rows)
    sync(ORGS, fast_sandbox, warehouse)
    human, other = rows[0]["organization_id"], rows[1]["organization_id"]
    client = fast_sandbox.resources()["zendesk"].client()
    job = client.update_many("organizations", [{"id": human, "organization_fields": {"loop_tier": "agent_pick"}}])
    client.wait_for_job(job["id"], first_look=0.1)
    extract(fast_sandbox, warehouse, "zendesk__organizations")

    rows = org_rows(fast_sandbox, {human: 50, other: 50})
    write_model(warehouse, "test_orgs", rows)
    result = sync(ORGS, fast_sandbox, warehouse)
    assert app_orgs(fast_sandbox)[human]["loop_tier"] == "agent_pick"
    assert app_orgs(fast_sandbox)[other] == model_orgs(rows)[other]
    m = meta(result, ORGS)
    assert (m["rows_conflicted"], m["rows_sent_confirmed"]) == (1, 1)
    assert m["readback_confirmed"] == len(rows) - 1 and m["readback_mismatched"] == 1
    assert checks(result)["conflicts"] is False
    with duckdb.connect(warehouse.database) as conn:
        [(key, field, pushed, app)] = conn.execute(
            "select key, field, pushed_value, app_value from loop.sync_conflicts").fetchall()
    assert (key, field, app) == (str(human), "organization_fields.loop_tier", '"agent_pick"')
    assert pushed == f'"{TIERS[0]}"'


def test_blast_radius_guard_aborts_before_sending_and_dry_run_sends_nothing(fast_sandbox, warehouse):
    rows = org_rows(fast_sandbox)
    write_model(warehouse, "test_orgs", rows)
    sync(ORGS, fast_sandbox, warehouse)
    before = app_orgs(fast_sandbox)
    bumped = org_rows(fast_sandbox, {r["organization_id"]: 7 for r in rows[: int(len(rows) * 0.6)]})
    write_model(warehouse, "test_orgs", bumped)

    dry = sync(ORGS, fast_sandbox, warehouse, dry_run=True)
    m = meta(dry, ORGS)
    assert m["dry_run"] and m["rows_changed"] == int(len(rows) * 0.6) and m["requests_sent"] == 0
    assert "max_change_share" in m["blast_radius"] and "| changed | organization_fields.loop_score |" in m["preview"]
    assert app_orgs(fast_sandbox) == before

    aborted = sync(ORGS, fast_sandbox, warehouse, raise_on_error=False)
    assert not aborted.success
    failure = next(e for e in aborted.all_events if e.event_type_value == "STEP_FAILURE")
    assert "max_change_share" in str(failure.event_specific_data.error.to_string())
    assert app_orgs(fast_sandbox) == before

    sync(ORGS, fast_sandbox, warehouse, allow_large_change=True)
    assert app_orgs(fast_sandbox) == model_orgs(bumped)


TICKETS = SyncSpec(
    "zendesk", "zendesk_tickets", "test_tickets_sync", "test_tickets", "ticket_id",
    (("priority", "priority"), ("tags", "tags"), ("loop_tier", "custom_fields.360000100001")),
    raw="zendesk__tickets", batch_size=5, requests_per_second=1000, max_attempts=2,
)


def test_rejected_rows_are_recorded_retried_and_dead_lettered_after_max_attempts(fast_sandbox, warehouse):
    tickets = sorted(fast_sandbox.store().all("zendesk", "ticket"), key=lambda t: t["id"])
    closed = {str(t["id"]) for t in tickets if t["status"] == "closed"}
    assert closed, "the generated data needs closed tickets (Zendesk refuses to update them)"
    rows = [{"ticket_id": t["id"], "priority": "high", "tags": ["loop_tier_high"], "loop_tier": "high"}
            for t in tickets]
    write_model(warehouse, "test_tickets", rows)

    first = sync(TICKETS, fast_sandbox, warehouse)
    assert meta(first, TICKETS)["rows_failed"] == len(closed)
    assert checks(first) == {"completion": False, "rejected_rows": False, "dead_letters": True, "conflicts": True}
    open_ids = {t["id"] for t in tickets if str(t["id"]) not in closed}
    updated = {t["id"]: t for t in fast_sandbox.store().all("zendesk", "ticket")}
    assert all(updated[i]["priority"] == "high" and updated[i]["tags"] == ["loop_tier_high"]
               and {"id": 360000100001, "value": "high"} in updated[i]["custom_fields"] for i in open_ids)
    with duckdb.connect(warehouse.database) as conn:
        failures = dict(conn.execute("select key, error from loop.sync_failures").fetchall())
    assert set(failures) == closed and all("closed prevents ticket update" in e for e in failures.values())

    second = sync(TICKETS, fast_sandbox, warehouse)
    assert meta(second, TICKETS)["requests_sent"] == math.ceil(len(closed) / TICKETS.batch_size)
    assert checks(second)["dead_letters"] is False
    third = meta(sync(TICKETS, fast_sandbox, warehouse), TICKETS)
    assert (third["requests_sent"], third["rows_dead_lettered"]) == (0, len(closed))
    assert all(f"| {key} | 2 |" in third["dead_letters"] for key in closed)


@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 4},
    {"kind": "server_error", "count": 3},
    {"kind": "drop_connection", "count": 3},
], ids=["429-storm", "5xx", "dropped-connections"])
def test_zendesk_sync_under_injected_faults_ends_equal_to_the_model(fast_sandbox, warehouse, fault):
    rows = org_rows(fast_sandbox)
    write_model(warehouse, "test_orgs", rows)
    fast_sandbox.inject(app="zendesk", after=1, **fault)
    m = meta(sync(ORGS, fast_sandbox, warehouse), ORGS)
    assert app_orgs(fast_sandbox) == model_orgs(rows)
    assert m["rows_sent_confirmed"] == len(rows) and m["retries"] >= fault["count"]
