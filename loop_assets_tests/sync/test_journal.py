"""The delivery outside the warehouse pool: other runs go on meanwhile, a second run of the same sync is
refused, a failed delivery resumes where it stopped, and a journal recorded twice adds nothing twice."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from loop_assets.apps.http import AppError
from loop_assets.sync import journal
from loop_assets.sync.adapters import adapter_for
from loop_assets.sync.assets import build_sync_asset
from loop_assets.sync.diff import Change, ensure_sync_tables
from loop_assets.sync.run import RunIds, deliver_planned, plan_delivery, record_delivery
from loop_assets.resources import ZendeskResource
from loop_assets.sandbox import credentials
from loop_assets.warehouse import POOL

from .conftest import meta, write_model
from .test_zendesk_sync import ORGS, app_orgs, model_orgs, org_rows

SLOW_JOB_SECONDS = 6.0


@pytest.fixture
def instance():
    """A real instance whose `warehouse` pool lets one step in at a time, as loop_assets/dagster.yaml does."""
    with dg.instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        yield instance


def start_slow_sync(sandbox, warehouse, instance) -> tuple[threading.Thread, dict]:
    """Start a sync of every organization whose first Zendesk job hangs; return once that job is with the app."""
    write_model(warehouse, ORGS.model, org_rows(sandbox))
    sandbox.inject(app="zendesk", path="update_many", kind="slow", delay=SLOW_JOB_SECONDS, count=1)
    outcome: dict = {}

    def run() -> None:
        outcome["result"] = dg.materialize([build_sync_asset(ORGS)], instance=instance,
                                           resources={"warehouse": warehouse, **sandbox.resources()})
        outcome["ended_at"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while sandbox.admin("GET", "faults")["rules"][0]["remaining"] > 0:
        assert thread.is_alive() and time.monotonic() < deadline, "the sync never sent its first job"
        time.sleep(0.05)
    return thread, outcome


def test_a_sync_delivering_leaves_the_warehouse_and_its_pool_to_other_runs(fast_sandbox, warehouse, instance):
    thread, sync_run = start_slow_sync(fast_sandbox, warehouse, instance)

    @dg.asset(pool=POOL)
    def other_model() -> None:
        with warehouse.get_connection() as conn:
            conn.execute("create table other_model as select 42 as answer")

    assert dg.materialize([other_model], instance=instance).success
    other_ended_at = time.monotonic()
    thread.join()
    assert sync_run["result"].success
    # The other run got the pool while the sync's first job still hung at the app.
    assert other_ended_at < sync_run["ended_at"] - 1.0
    assert app_orgs(fast_sandbox) == model_orgs(org_rows(fast_sandbox))


def test_a_second_run_of_a_sync_being_delivered_is_refused_and_names_the_first(fast_sandbox, warehouse, instance):
    thread, first = start_slow_sync(fast_sandbox, warehouse, instance)
    [delivering] = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))

    second = dg.materialize([build_sync_asset(ORGS)], instance=instance, raise_on_error=False,
                            resources={"warehouse": warehouse, **fast_sandbox.resources()})
    thread.join()
    assert first["result"].success and not second.success
    [failure] = [e for e in second.all_events if e.is_step_failure]
    assert delivering.dagster_run.run_id in failure.event_specific_data.error.message
    assert "being delivered" in failure.event_specific_data.error.message
    rows = org_rows(fast_sandbox)
    assert app_orgs(fast_sandbox) == model_orgs(rows)
    # Every row was sent once, by the first run.
    third = dg.materialize([build_sync_asset(ORGS)], instance=instance,
                           resources={"warehouse": warehouse, **fast_sandbox.resources()})
    assert meta(third, ORGS)["requests_sent"] == 0


def test_a_failed_delivery_started_again_sends_only_the_rows_the_app_did_not_answer(fast_sandbox, warehouse):
    rows = org_rows(fast_sandbox)
    write_model(warehouse, ORGS.model, rows)
    path = journal.journal_path(warehouse.database, ORGS)
    run = RunIds("run-1", "run-1")
    planned = plan_delivery(ORGS, warehouse.get_connection, path, run, lambda root: False)
    # The third job fails on every try the client makes: an outage outlasting its retries.
    fast_sandbox.inject(app="zendesk", path="update_many", kind="server_error", after=2, count=50)
    impatient = ZendeskResource(base_url=f"{fast_sandbox.url}/zendesk", email=credentials.ZENDESK_EMAIL,
                                api_token=credentials.ZENDESK_API_TOKEN, max_retries=2)
    resources = SimpleNamespace(**fast_sandbox.resources(zendesk=impatient))
    with pytest.raises(AppError, match="HTTP 503"):
        deliver_planned(ORGS, planned, lambda: adapter_for(ORGS, resources))
    fast_sandbox.admin("DELETE", "faults")
    with journal.connect(path) as conn:
        answered = conn.execute("select count(*) from journal.answers").fetchone()[0]
    assert answered == 2 * ORGS.batch_size

    again = deliver_planned(ORGS, planned, lambda: adapter_for(ORGS, resources))
    assert again.requests == -(-(len(rows) - answered) // ORGS.batch_size)
    report = record_delivery(ORGS, warehouse.get_connection, planned, again)
    assert (report.totals.confirmed, report.totals.rejected) == (len(rows), 0)
    assert app_orgs(fast_sandbox) == model_orgs(rows)


def test_a_journal_recorded_again_after_a_crash_adds_nothing_twice(warehouse, tmp_path):
    rows = [Change(f"cus_{i}", "added", {"metadata.loop_tier": "high"}, f"hash{i}", None) for i in range(6)]
    stripe = replace(ORGS, fields=(("loop_tier", "metadata.loop_tier"),))
    with warehouse.get_connection() as conn, journal.attached(conn, tmp_path / "j.duckdb"):
        ensure_sync_tables(conn)
        journal.start(conn, journal.PlanRow("plan-1", "run-1", "run-1"), rows[:5], [(rows[5], "field missing")])
        journal.record(conn, ["cus_0", "cus_1"], {"cus_2": "invalid metadata"}, 3)
        journal.record_in_warehouse(stripe, conn)
        journal.record_in_warehouse(stripe, conn)  # a crash before the journal was emptied
        journal.record(conn, ["cus_3"], {}, 1)
        journal.record_in_warehouse(stripe, conn)

        def count(table: str) -> int:
            return conn.execute(f"select count(*) from loop.{table}").fetchone()[0]
        assert (count("sync_delivered"), count("sync_audit"), count("sync_failures")) == (3, 3, 2)
        assert conn.execute("select key, attempts, error from loop.sync_failures order by key").fetchall() == [
            ("cus_2", 1, "invalid metadata"), ("cus_5", 1, "field missing")]
        assert conn.execute("select old_value::varchar, new_value::varchar from loop.sync_audit limit 1"
                            ).fetchone() == ("null", '"high"')
        assert [row.key for row in journal.unanswered(conn)] == ["cus_4"]
        assert journal.totals(conn) == journal.Totals(4, 3, 2, {"cus_5": "field missing", "cus_2": "invalid metadata"})
    with duckdb.connect(warehouse.database) as conn:
        assert conn.execute("select answer_id from loop.sync_journal").fetchone()[0] == 5
