"""Raw extracts through real Dagster runs against the sandbox over HTTP, landing in a real DuckDB file."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import dagster as dg
import duckdb
import pytest
import requests

from loop_assets.extract.assets import build_extract_assets
from loop_assets.extract.prefetch import IDLE_SECONDS
from loop_assets.extract.specs import STREAMS
from loop_assets.resources import StripeResource
from loop_assets.sandbox import credentials
from loop_assets.sandbox.generator import generate
from loop_assets.sandbox.segment_landing import day_ms, write_landing_file
from loop_assets.sandbox.store import open_store
from loop_assets_tests.conftest import kill_run_when_fault_fires, start_sandbox

ASSETS = {spec.key: asset for spec, asset in zip(STREAMS, build_extract_assets())}
API_STREAMS = [s for s in STREAMS if s.app != "segment"]
STORE_KIND = {"stripe__customers": ("stripe", "customer"), "stripe__charges": ("stripe", "charge"),
              "stripe__subscriptions": ("stripe", "subscription"), "stripe__invoices": ("stripe", "invoice"),
              "stripe__events": ("stripe", "event"), "zendesk__tickets": ("zendesk", "ticket"),
              "zendesk__users": ("zendesk", "user"), "zendesk__organizations": ("zendesk", "organization")}
STRIPE_EVENT_DAYS = 30


def extract(sandbox, warehouse, keys, *, full_refresh=False, raise_on_error=True, resources=None):
    config = {"ops": {f"raw__{k}": {"config": {"full_refresh": full_refresh}} for k in keys}}
    return dg.materialize(
        [ASSETS[k] for k in keys], resources={"warehouse": warehouse, **(resources or sandbox.resources())},
        run_config=config, raise_on_error=raise_on_error,
    )


def sandbox_records(sandbox, key) -> dict[str, dict]:
    """What the app holds right now, by id (Stripe events: only the 30 days the API serves)."""
    app, kind = STORE_KIND[key]
    records = {str(r["id"]): r for r in sandbox.store().all(app, kind)}
    if kind == "event":
        cutoff = time.time() - STRIPE_EVENT_DAYS * 86400
        records = {i: r for i, r in records.items() if r["created"] >= cutoff}
    return records


def landed(warehouse, key) -> dict[str, dict]:
    with warehouse.get_connection() as conn:
        rows = conn.execute(f'select id, _loop_raw from raw."{key}"').fetchall()
    return {row[0]: json.loads(row[1]) for row in rows}


def metadata(result, key) -> dict:
    """The run's metadata (a range run records the same totals on each partition's materialization)."""
    events = result.asset_materializations_for_node(f"raw__{key}")
    assert len({str(e.metadata) for e in events}) == 1
    return {k: v.value for k, v in events[0].metadata.items()}


def test_full_extract_lands_exactly_the_sandbox_records(sandbox, warehouse):
    keys = [s.key for s in API_STREAMS]
    result = extract(sandbox, warehouse, keys)
    for key in keys:
        expected = sandbox_records(sandbox, key)
        assert expected, f"the sandbox has no {key}"
        assert landed(warehouse, key) == expected, key
        meta = metadata(result, key)
        assert meta["dagster/row_count"] == len(expected)
        assert meta["rows_inserted"] == len(expected)
        assert meta["rows_quarantined"] == 0
        assert meta["api_calls"] >= meta["pages"] >= 1


def test_incremental_extract_picks_up_activity_without_duplicates(sandbox, warehouse):
    keys = [s.key for s in API_STREAMS]
    extract(sandbox, warehouse, keys)
    before = {key: sandbox_records(sandbox, key) for key in keys}
    counts = sandbox.admin("POST", "activity", {"minutes": 240})
    assert sum(counts.values()) > 0
    result = extract(sandbox, warehouse, keys)
    changed = 0
    for key in keys:
        after = sandbox_records(sandbox, key)
        assert landed(warehouse, key) == after, key
        meta = metadata(result, key)
        assert meta["rows_inserted"] == len(set(after) - set(before[key])), key
        assert meta["cursor_before"] != {}, key
        changed += meta["rows_inserted"] + meta["rows_updated"]
        # Incremental: the second run reads what changed, not the whole app again.
        assert meta["rows_fetched"] < len(after) or len(after) <= 100, key
    assert changed > 0


def test_an_object_changed_many_times_within_a_second_lands_its_last_change(sandbox, warehouse):
    keys = ["stripe__events", "stripe__customers"]
    extract(sandbox, warehouse, keys)
    customer = min(sandbox_records(sandbox, "stripe__customers"))
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {credentials.STRIPE_API_KEY}"
        for step in range(20):  # most share a second: the replay must order them as they happened
            http.post(f"{sandbox.url}/stripe/v1/customers/{customer}", data={"metadata[step]": str(step)},
                      timeout=10).raise_for_status()
    extract(sandbox, warehouse, keys)
    assert landed(warehouse, "stripe__customers")[customer]["metadata"]["step"] == "19"


def test_unchanged_apps_make_an_incremental_run_land_nothing(sandbox, warehouse):
    keys = ["stripe__customers", "zendesk__tickets"]
    extract(sandbox, warehouse, keys)
    result = extract(sandbox, warehouse, keys)
    for key in keys:
        meta = metadata(result, key)
        assert (meta["rows_inserted"], meta["rows_updated"]) == (0, 0)


def test_full_refresh_rereads_everything_and_duplicates_nothing(sandbox, warehouse):
    extract(sandbox, warehouse, ["stripe__charges"])
    result = extract(sandbox, warehouse, ["stripe__charges"], full_refresh=True)
    meta = metadata(result, "stripe__charges")
    expected = sandbox_records(sandbox, "stripe__charges")
    assert meta["rows_fetched"] == len(expected)
    assert meta["rows_inserted"] == 0
    assert landed(warehouse, "stripe__charges") == expected


@pytest.mark.parametrize("fault", [
    {"kind": "rate_limit", "count": 4},
    {"kind": "server_error", "count": 3},
    {"kind": "drop_connection", "count": 3},
], ids=["429-storm", "5xx", "dropped-connections"])
def test_extract_under_injected_faults_ends_with_exactly_the_sandbox_records(sandbox, warehouse, fault):
    keys = ["stripe__charges", "zendesk__tickets"]
    sandbox.inject(app="*", after=1, **fault)
    result = extract(sandbox, warehouse, keys)
    for key in keys:
        assert landed(warehouse, key) == sandbox_records(sandbox, key), key
    assert sum(metadata(result, k)["retries"] for k in keys) >= fault["count"]


@pytest.fixture
def paged_sandbox(tmp_path):
    """Enough charges for several 100-record pages."""
    state_dir = tmp_path / "paged"
    generate(open_store(state_dir), state_dir, customers=80, days=90, seed=5, events_per_customer_day=0.2)
    running = start_sandbox(state_dir)
    yield running
    running.stop()


def test_failed_run_mid_pagination_resumes_from_its_cursor(paged_sandbox, warehouse):
    sandbox = paged_sandbox
    expected = sandbox_records(sandbox, "stripe__charges")
    assert len(expected) > 300, "needs several pages of charges"
    # Page 3 fails past every retry: pages 1-2 are landed with their cursor, the run fails.
    sandbox.inject(app="stripe", path="/v1/charges", kind="server_error", after=2, count=50)
    impatient = StripeResource(api_key=credentials.STRIPE_API_KEY, base_url=f"{sandbox.url}/stripe", max_retries=2)
    failed = extract(sandbox, warehouse, ["stripe__charges"], raise_on_error=False,
                     resources=sandbox.resources(stripe=impatient))
    assert not failed.success
    assert len(landed(warehouse, "stripe__charges")) == 200
    sandbox.admin("DELETE", "faults")
    result = extract(sandbox, warehouse, ["stripe__charges"])
    meta = metadata(result, "stripe__charges")
    assert meta["cursor_before"]["phase"] == "list" and meta["cursor_before"]["starting_after"]
    assert meta["rows_fetched"] == len(expected) - 200
    assert landed(warehouse, "stripe__charges") == expected


def test_malformed_records_land_in_quarantine_with_the_field_and_reason(sandbox, warehouse):
    sandbox.inject(app="stripe", path="/v1/customers", kind="malformed", count=1)
    result = extract(sandbox, warehouse, ["stripe__customers"])
    meta = metadata(result, "stripe__customers")
    assert meta["rows_quarantined"] == 1
    with warehouse.get_connection() as conn:
        [(stream, reason, position, source)] = conn.execute(
            "select stream, reason, position, source from loop.quarantine").fetchall()
    assert stream == "stripe__customers"
    assert reason.startswith("field '") and ("missing" in reason or "expected" in reason)
    assert source == "GET /v1/customers" and position.startswith("item ")
    # Nothing is lost: once the app serves the record cleanly again, a full refresh lands it.
    extract(sandbox, warehouse, ["stripe__customers"], full_refresh=True)
    assert landed(warehouse, "stripe__customers") == sandbox_records(sandbox, "stripe__customers")


def test_bad_credentials_name_the_app_and_setting_without_printing_the_secret(sandbox, warehouse):
    secret = "sk_test_wrong_but_secret_4242"
    bad = sandbox.resources(stripe=StripeResource(api_key=secret, base_url=f"{sandbox.url}/stripe"))
    result = extract(sandbox, warehouse, ["stripe__customers"], raise_on_error=False, resources=bad)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    text = str(failure.event_specific_data.error.to_string())
    assert "Stripe" in text and "STRIPE_API_KEY" in text
    assert secret not in text
    assert secret not in str([e.message for e in result.all_events])


def segment_partitions(sandbox) -> list[str]:
    root = sandbox.state_dir / "segment-logs"
    days = sorted(int(p.name) for p in root.glob("*/*") if p.is_dir())
    return [datetime.fromtimestamp(d / 1000, tz=timezone.utc).date().isoformat() for d in days]


def landing_calls(sandbox, days: list[str]):
    """(valid calls by messageId, number of bad lines) in the landing files of these days."""
    import gzip

    valid, bad = {}, 0
    for day in days:
        ms = day_ms(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())
        for path in sorted((sandbox.state_dir / "segment-logs").glob(f"*/{ms}/*.gz")):
            for line in gzip.open(path, "rt"):
                try:
                    call = json.loads(line)
                    ok = isinstance(call, dict) and call.get("messageId") and call.get("type") and (
                        call.get("userId") or call.get("anonymousId")) and isinstance(call.get("timestamp"), str)
                except json.JSONDecodeError:
                    ok = False
                if ok:
                    valid.setdefault(call["messageId"], call)
                else:
                    bad += 1
    return valid, bad


def test_segment_day_partitions_land_each_message_once_and_quarantine_bad_lines(sandbox, warehouse):
    days = segment_partitions(sandbox)[-3:]
    result = dg.materialize(
        [ASSETS["segment__events"]], resources={"warehouse": warehouse, **sandbox.resources()},
        tags={"dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]},
    )
    valid, bad = landing_calls(sandbox, days)
    with warehouse.get_connection() as conn:
        ids = {r[0] for r in conn.execute('select message_id from raw."segment__events"').fetchall()}
        quarantined = conn.execute("select position, reason from loop.quarantine").fetchall()
    assert ids == set(valid)
    assert bad > 0 and len(quarantined) >= 1
    assert all(":" in position for position, _ in quarantined)  # file:line
    meta = metadata(result, "segment__events")
    assert meta["rows_quarantined"] == bad
    # Re-running the same days duplicates nothing.
    again = dg.materialize([ASSETS["segment__events"]], resources={"warehouse": warehouse, **sandbox.resources()},
                           partition_key=days[-1])
    assert metadata(again, "segment__events")["rows_inserted"] == 0
    with duckdb.connect(warehouse.database) as conn:
        assert conn.execute('select count(*) from raw."segment__events"').fetchone()[0] == len(valid)


def segment_day(sandbox, warehouse, day: str, *, full_refresh: bool = False) -> dict:
    result = dg.materialize([ASSETS["segment__events"]], resources={"warehouse": warehouse, **sandbox.resources()},
                            partition_key=day, run_config={"ops": {"raw__segment__events": {"config": {
                                "full_refresh": full_refresh}}}})
    return metadata(result, "segment__events")


def test_a_segment_day_run_again_reads_only_the_files_that_arrived_since(sandbox, warehouse):
    day = segment_partitions(sandbox)[-1]
    first = segment_day(sandbox, warehouse, day)
    midnight = datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp()
    late = [json.dumps({"type": "track", "event": "Signed In", "userId": "u-late", "messageId": f"late-{i}",
                        "timestamp": f"{day}T23:00:00Z", "receivedAt": f"{day}T23:59:0{i}Z"}) for i in range(3)]
    write_landing_file(sandbox.state_dir, credentials.SEGMENT_SOURCE_ID, late, received_at=midnight + 86000,
                       name="late-arrival")

    again = segment_day(sandbox, warehouse, day)
    assert (again["files"], again["files_already_landed"]) == (1, first["files"])
    assert (again["rows_fetched"], again["rows_inserted"]) == (3, 3)
    # A full refresh reads the whole day again and lands nothing twice.
    full = segment_day(sandbox, warehouse, day, full_refresh=True)
    assert full["rows_fetched"] == first["rows_fetched"] + 3 and full["rows_inserted"] == 0
    valid, _ = landing_calls(sandbox, [day])
    with warehouse.get_connection() as conn:
        ids = {r[0] for r in conn.execute('select message_id from raw."segment__events"').fetchall()}
    assert ids == set(valid)


def test_run_killed_mid_pagination_resumes_without_loss_or_duplicates(paged_sandbox, warehouse, tmp_path):
    sandbox = paged_sandbox
    expected = sandbox_records(sandbox, "stripe__charges")
    assert len(expected) > 300, "needs several pages of charges"
    # The third page hangs; the run is SIGKILLed (with its step processes) while it waits, once the pages
    # before the stall have been landed.
    sandbox.inject(app="stripe", path="/v1/charges", kind="slow", delay=120, after=2, count=1)
    kill_run_when_fault_fires(sandbox, warehouse, tmp_path / "dagster_home", module="loop_assets.definitions",
                              select="raw/stripe__charges", stalled_for=3 * IDLE_SECONDS)

    result = extract(sandbox, warehouse, ["stripe__charges"])
    meta = metadata(result, "stripe__charges")
    assert meta["cursor_before"]["phase"] == "list"
    assert meta["rows_fetched"] == len(expected) - 200
    assert landed(warehouse, "stripe__charges") == expected


STRIPE_OBJECT_STREAMS = [s.key for s in STREAMS if s.style == "stripe_objects"]
STRIPE_KEYS = ["stripe__events", *STRIPE_OBJECT_STREAMS]
CUSTOMER_EVENTS = next(s.event_types for s in STREAMS if s.key == "stripe__customers")


def patch_cursor(warehouse, key: str, **fields) -> None:
    with warehouse.get_connection() as conn:
        conn.execute("update loop.extract_state set state = json_merge_patch(state, ?) where stream = ?",
                     [json.dumps(fields), key])


def test_object_streams_take_their_changes_from_the_landed_event_log_not_the_api(sandbox, warehouse):
    extract(sandbox, warehouse, STRIPE_KEYS)
    sandbox.admin("POST", "activity", {"minutes": 240})
    result = extract(sandbox, warehouse, STRIPE_KEYS)

    assert metadata(result, "stripe__events")["api_calls"] >= 1
    replayed = 0
    for key in STRIPE_OBJECT_STREAMS:
        meta = metadata(result, key)
        assert meta["api_calls"] == 0, key
        assert meta["rows_replayed"] == meta["rows_fetched"], key
        assert landed(warehouse, key) == sandbox_records(sandbox, key), key
        replayed += meta["rows_replayed"]
    assert replayed > 0


def test_a_stream_whose_cursor_is_past_stripes_retention_replays_the_log_while_the_log_is_complete(
        sandbox, warehouse):
    extract(sandbox, warehouse, STRIPE_KEYS)
    month_ago = int(time.time()) - 31 * 86400
    # The log has been landed without a gap for longer than the customers stream has been idle.
    patch_cursor(warehouse, "stripe__events", complete_since=month_ago - 86400)
    patch_cursor(warehouse, "stripe__customers", since=month_ago)
    sandbox.admin("POST", "activity", {"minutes": 240})
    result = extract(sandbox, warehouse, ["stripe__events", "stripe__customers"])

    meta = metadata(result, "stripe__customers")
    assert (meta["cursor_before"]["phase"], meta["api_calls"]) == ("events", 0)
    assert landed(warehouse, "stripe__customers") == sandbox_records(sandbox, "stripe__customers")


def test_a_gap_in_the_event_log_makes_the_object_streams_behind_it_list_again(sandbox, warehouse):
    extract(sandbox, warehouse, STRIPE_KEYS)
    # The loop was off for a month: Stripe no longer has the events between the cursors and now.
    month_ago = int(time.time()) - 31 * 86400
    for key in ("stripe__events", "stripe__customers"):
        patch_cursor(warehouse, key, since=month_ago)
    sandbox.admin("POST", "activity", {"minutes": 240})
    result = extract(sandbox, warehouse, ["stripe__events", "stripe__customers"])

    log_cursor = metadata(result, "stripe__events")["cursor_after"]
    assert log_cursor["complete_since"] > month_ago
    meta = metadata(result, "stripe__customers")
    assert meta["cursor_before"]["since"] == month_ago
    assert meta["rows_fetched"] >= len(sandbox_records(sandbox, "stripe__customers"))
    assert landed(warehouse, "stripe__customers") == sandbox_records(sandbox, "stripe__customers")


def test_an_event_without_its_object_is_quarantined_by_the_stream_that_replays_it(sandbox, warehouse):
    extract(sandbox, warehouse, STRIPE_KEYS)
    with warehouse.get_connection() as conn:
        [(event_id,)] = conn.execute(
            "update raw.stripe__events set data = '{\"previous_attributes\": {}}', created = now() "
            "where id = (select max(id) from raw.stripe__events where list_contains(?, type)) returning id",
            [list(CUSTOMER_EVENTS)]).fetchall()
    result = extract(sandbox, warehouse, ["stripe__customers"])

    assert metadata(result, "stripe__customers")["rows_quarantined"] == 1
    with warehouse.get_connection() as conn:
        [(source, reason)] = conn.execute("select source, reason from loop.quarantine").fetchall()
    assert (source, reason) == ("raw.stripe__events", f"event {event_id} has no data.object")
