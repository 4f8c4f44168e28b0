"""A sync run SIGKILLed mid-delivery, and a blocking check that stops a sync in the same run."""

from __future__ import annotations

import math

import dagster as dg
import duckdb

from loop_assets.sync.assets import build_sync_asset
from loop_assets.sync.journal import journal_path
from loop_assets_tests.conftest import kill_run_when_fault_fires

from .conftest import meta, sync, write_model
from .test_zendesk_sync import ORGS, app_orgs, model_orgs, org_rows


def test_killed_sync_resends_only_unconfirmed_rows_and_ends_equal_to_the_model(fast_sandbox, warehouse, tmp_path):
    sandbox = fast_sandbox
    rows = org_rows(sandbox)
    write_model(warehouse, "test_orgs", rows)
    # The third job's PUT hangs; the run and its step process are SIGKILLed while it waits.
    sandbox.inject(app="zendesk", path="update_many", kind="slow", delay=120, after=2, count=1)
    kill_run_when_fault_fires(sandbox, warehouse, tmp_path / "dagster_home",
                              module="loop_assets_tests.sync.kill_definitions", select=ORGS.name)
    sandbox.admin("DELETE", "faults")

    # The delivery records the app's answers in the sync's journal, not in the warehouse.
    with duckdb.connect(str(journal_path(warehouse.database, ORGS))) as conn:
        confirmed = conn.execute("select count(*) from answers where error is null").fetchone()[0]
    with duckdb.connect(warehouse.database) as conn:
        assert conn.execute("select count(*) from loop.sync_delivered").fetchone()[0] == 0
    # Jobs after the hanging one may have been answered before the kill (ORGS.in_flight are under way).
    assert 2 * ORGS.batch_size <= confirmed < len(rows)
    m = meta(sync(ORGS, sandbox, warehouse), ORGS)
    assert m["rows_added"] == len(rows) - confirmed
    assert m["requests_sent"] == math.ceil((len(rows) - confirmed) / ORGS.batch_size)
    assert app_orgs(sandbox) == model_orgs(rows)
    with duckdb.connect(warehouse.database) as conn:
        assert conn.execute("select count(*) from loop.sync_delivered").fetchone()[0] == len(rows)
        # Each confirmed value is audited once, the killed run's included.
        assert conn.execute("select count(*) from loop.sync_audit where field = 'organization_fields.loop_tier'"
                            ).fetchone()[0] == len(rows)
    assert meta(sync(ORGS, sandbox, warehouse), ORGS)["requests_sent"] == 0


def test_a_failing_blocking_check_on_the_model_stops_the_sync_in_the_same_run(fast_sandbox, warehouse):
    rows = org_rows(fast_sandbox)
    before = app_orgs(fast_sandbox)

    @dg.asset(name=ORGS.model)
    def model() -> None:
        write_model(warehouse, ORGS.model, [{**r, "loop_score": None} for r in rows])

    @dg.asset_check(asset=model, blocking=True)
    def not_null__loop_score() -> dg.AssetCheckResult:
        with duckdb.connect(warehouse.database) as conn:
            nulls = conn.execute(f"select count(*) from {ORGS.model} where loop_score is null").fetchone()[0]
        return dg.AssetCheckResult(passed=nulls == 0, metadata={"nulls": nulls})

    result = dg.materialize([model, not_null__loop_score, build_sync_asset(ORGS)],
                            resources={"warehouse": warehouse, **fast_sandbox.resources()}, raise_on_error=False)
    assert not result.success
    assert not result.asset_materializations_for_node(ORGS.name)
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert not [step for step in started if step.startswith(ORGS.name)]
    assert app_orgs(fast_sandbox) == before
