"""End to end: `dagster dev` (webserver + daemon) against a sandbox closes the loop on a new ticket, no clicks."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from loop_assets.definitions import defs
from loop_assets.sandbox.activity import create_ticket
from loop_assets.sandbox.zendesk_activity import end_user_ids
from loop_assets_tests.conftest import dagster_dev

TICKET_PRIORITY = dg.AssetKey(["ticket_priority"])
# A Zendesk export leaves out its last `incremental_lag_seconds`; the real API's 60 s would add a minute.
EXPORT_LAG_SECONDS = 5
# The sandbox has no export limit to spare, so the sensor may poll as often as the automation ticks.
POLL_SECONDS = 10


@pytest.fixture
def loop_up(tmp_path):
    """The README's run command, as `.ci/dev` starts it, on temporary state: sandbox + `dagster dev`."""
    with dagster_dev(tmp_path, {"incremental_lag_seconds": EXPORT_LAG_SECONDS},
                     {"LOOP_APP_POLL_SECONDS": str(POLL_SECONDS)}) as (sandbox, home, url, _):
        yield sandbox, home, url


def runs_of(instance: dg.DagsterInstance, job: str, after: float) -> list:
    return [r for r in instance.get_run_records(dg.RunsFilter(job_name=job)) if r.create_timestamp.timestamp() > after]


def app_changes_ticks_after(instance: dg.DagsterInstance, after: float) -> list:
    [state] = [s for s in instance.all_instigator_state() if s.name == "app_changes"]
    return instance.get_ticks(state.instigator_origin_id, state.selector_id, after=after)


def settled(instance: dg.DagsterInstance, after: float) -> bool:
    """No run queued or going, and an app_changes tick since the last run ended found no change."""
    records = instance.get_run_records(dg.RunsFilter(created_after=datetime.fromtimestamp(after, timezone.utc)))
    if any(not r.dagster_run.is_finished for r in records):
        return False
    last_end = max((r.end_time or 0 for r in records), default=after)
    return any(t.status.value == "SKIPPED" for t in app_changes_ticks_after(instance, last_end))


def unchecked_materializations(instance: dg.DagsterInstance) -> dict[str, set[str]]:
    """Per finished automation run, the models it materialized with data tests it did not evaluate."""
    graph = defs.resolve_asset_graph()
    unchecked = {}
    for record in instance.get_run_records(dg.RunsFilter(tags={"dagster/from_automation_condition": "true"})):
        if not record.dagster_run.is_finished:
            continue
        events = instance.all_logs(record.dagster_run.run_id, of_type={
            dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION})
        built = {e.dagster_event.asset_key for e in events
                 if e.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}
        evaluated = {dg.AssetCheckKey(e.dagster_event.event_specific_data.asset_key,
                                      e.dagster_event.event_specific_data.check_name)
                     for e in events if e.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
        missing = graph.get_check_keys_for_assets(built) - evaluated
        if missing:
            unchecked[record.dagster_run.run_id] = {c.to_user_string() for c in missing}
    return unchecked


def wait_for(what: str, condition, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}; dagster dev log tail:\n"
                + log.read_text()[-3000:])


def test_new_ticket_gets_its_priority_from_the_loop_with_no_click_and_the_echo_stops_there(loop_up, tmp_path):
    sandbox, home, url = loop_up
    log = tmp_path / "dagster_dev.log"
    store = sandbox.store()
    # Open the instance only once `dagster dev` has created its storage: two processes migrating a new
    # SQLite instance at once corrupt its schema version table.
    with dg.DagsterInstance.from_config(str(home)) as instance:
        # The first sensor ticks extract everything; declarative automation builds and checks the models and
        # runs the syncs.
        started = time.time()
        wait_for("the first ticket sync", lambda: runs_of(instance, "__ASSET_JOB", started) and any(
            t["priority"] for t in store.all("zendesk", "ticket")), 240, log)

        # The first sync's writes come back from records the sensor has never seen, so they cost one more
        # (empty) cycle; the loop is settled once a tick finds nothing and no run is going.
        wait_for("the first load to settle", lambda: settled(instance, started), 180, log)

        ticket = create_ticket(store, requester_id=end_user_ids(store)[0], subject="Billing page shows an error")
        created = time.time()
        wait_for("the new ticket's priority",
                 lambda: store.get("zendesk", "ticket", ticket["id"])["priority"], 180, log)
        pushed = time.time()
        print(f"ticket {ticket['id']}: created -> priority pushed by the loop in {pushed - created:.1f} s")

        # The push comes back through Zendesk's export: the next sensor tick must not start another cycle.
        wait_for("an app_changes tick after the push", lambda: [
            t for t in app_changes_ticks_after(instance, pushed + EXPORT_LAG_SECONDS) if t.status.value != "STARTED"],
            60, log)
        assert runs_of(instance, "api_extracts", pushed) == [], "the loop's own write started another cycle"
        failed = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        assert not failed, [r.dagster_run.run_id for r in failed]
        # Every model the loop rebuilt on its own was checked in the same run.
        assert unchecked_materializations(instance) == {}
