"""The sensors against a real sandbox over HTTP and real landing files: what they request, and what they ignore."""

from __future__ import annotations

import json
import time
import warnings
from datetime import date, datetime, timezone

import dagster as dg

from loop_assets.apps.segment import SegmentLanding
from loop_assets.automation.app_changes import app_changes_sensor
from loop_assets.automation.segment_files import segment_files_sensor
from loop_assets.resources import StripeResource, ZendeskResource
from loop_assets.sandbox import credentials
from loop_assets.sandbox.activity import create_ticket
from loop_assets.sandbox.segment_landing import write_landing_file
from loop_assets.sandbox.zendesk_activity import end_user_ids

API_KEYS = {"stripe__customers", "stripe__charges", "stripe__subscriptions", "stripe__invoices", "stripe__events",
            "zendesk__tickets", "zendesk__users", "zendesk__organizations"}


def tick(sensor, resources: dict, cursor: str | None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = dg.build_sensor_context(cursor=cursor, resources=resources)
        return sensor(context)


def requested_streams(result) -> set[str]:
    return {key.path[-1] for request in result.run_requests for key in request.asset_selection}


def app_resources(sandbox) -> dict:
    resources = sandbox.resources()
    return {"stripe": resources["stripe"], "zendesk": resources["zendesk"]}


def test_app_sensor_requests_every_extract_first_then_only_the_streams_that_changed(sandbox):
    resources = app_resources(sandbox)
    first = tick(app_changes_sensor, resources, None)
    assert requested_streams(first) == API_KEYS
    second = tick(app_changes_sensor, resources, first.cursor)
    assert second.run_requests == [] and "no changes" in second.skip_reason.skip_message
    store = sandbox.store()
    create_ticket(store, requester_id=end_user_ids(store)[0], subject="Exports are broken")
    third = tick(app_changes_sensor, resources, second.cursor)
    assert requested_streams(third) == {"zendesk__tickets"}


def test_app_sensor_ignores_the_loops_own_writes_but_not_a_humans(sandbox):
    resources = app_resources(sandbox)
    cursor = tick(app_changes_sensor, resources, None).cursor
    store = sandbox.store()
    ticket = create_ticket(store, requester_id=end_user_ids(store)[0], subject="Cannot log in")
    seen = tick(app_changes_sensor, resources, cursor)
    assert requested_streams(seen) == {"zendesk__tickets"}
    time.sleep(1.1)  # a later updated_at, as a real write would have
    # What the syncs write: ticket priority, tier field and tags; customer metadata loop_*.
    zendesk = resources["zendesk"].client()
    job = zendesk.update_many("tickets", [{"id": ticket["id"], "priority": "high", "additional_tags": ["loop_high"],
                                           "custom_fields": [{"id": 360000100001, "value": "high"}]}])
    assert zendesk.wait_for_job(job["id"], first_look=0.1)["status"] == "completed"
    customer = next(store.all("stripe", "customer"))
    stripe = resources["stripe"].client()
    stripe.update_customer_metadata(customer["id"], {"loop_tier": "high", "loop_score": "88"}, idempotency_key="t1")
    echo = tick(app_changes_sensor, resources, seen.cursor)
    assert echo.run_requests == [], "the loop's own writes started another cycle"
    # An agent's change to the same ticket, or a human's metadata edit, is real news.
    job = zendesk.update_many("tickets", [{"id": ticket["id"], "status": "open"}])
    zendesk.wait_for_job(job["id"], first_look=0.1)
    stripe.update_customer_metadata(customer["id"], {"plan_note": "renewal"}, idempotency_key="t2")
    human = tick(app_changes_sensor, resources, echo.cursor)
    assert requested_streams(human) == {"zendesk__tickets", "stripe__customers", "stripe__events"}


def test_app_sensor_that_cannot_reach_the_apps_skips_naming_them_without_the_secret(sandbox):
    secret = "sk_test_secret_never_printed_77"
    unreachable = "http://127.0.0.1:9"  # discard port: connection refused
    resources = {"stripe": StripeResource(api_key=secret, base_url=f"{unreachable}/stripe"),
                 "zendesk": ZendeskResource(base_url=f"{unreachable}/zendesk", email=credentials.ZENDESK_EMAIL,
                                            api_token="zendesk-secret-token-77")}
    good = tick(app_changes_sensor, app_resources(sandbox), None)
    result = tick(app_changes_sensor, resources, good.cursor)
    message = result.skip_reason.skip_message
    assert result.run_requests == []
    assert "Stripe" in message and "Zendesk" in message
    assert secret not in message and "zendesk-secret-token-77" not in message
    assert json.loads(result.cursor) == json.loads(good.cursor)  # nothing is skipped over: the next tick retries


def partition_requests(result) -> list[tuple[str, str]]:
    spans = []
    for request in result.run_requests:
        if request.partition_key:
            spans.append((request.partition_key, request.partition_key))
        else:
            spans.append((request.tags["dagster/asset_partition_range_start"],
                          request.tags["dagster/asset_partition_range_end"]))
    return spans


def noon(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp()


def test_segment_sensor_requests_exactly_the_days_that_got_files_late_ones_included(sandbox):
    resources = {"segment": sandbox.resources()["segment"]}
    days = SegmentLanding(sandbox.state_dir, credentials.SEGMENT_SOURCE_ID).days()
    first = tick(segment_files_sensor, resources, None)
    assert partition_requests(first) == [(days[0].isoformat(), days[-1].isoformat())]  # one run for the range
    assert tick(segment_files_sensor, resources, first.cursor).run_requests == []
    late, today = days[2], days[-1]
    call = {"type": "track", "event": "Report Viewed", "userId": "u1", "messageId": "late-1",
            "timestamp": "2026-01-01T00:00:00Z", "receivedAt": "2026-01-01T00:00:00Z"}
    for day, name in [(late, "late-file"), (today, "fresh-file")]:
        write_landing_file(sandbox.state_dir, credentials.SEGMENT_SOURCE_ID, [json.dumps(call)],
                           received_at=noon(day), name=name)
    again = tick(segment_files_sensor, resources, first.cursor)
    assert sorted(partition_requests(again)) == [(late.isoformat(),) * 2, (today.isoformat(),) * 2]


def test_segment_sensor_ignores_files_holding_only_the_loops_traits(sandbox):
    resources = {"segment": sandbox.resources()["segment"]}
    first = tick(segment_files_sensor, resources, None)
    identify = {"type": "identify", "userId": "u1", "messageId": "m1", "traits": {"loop_tier": "high"}}
    write_landing_file(sandbox.state_dir, credentials.SEGMENT_SOURCE_ID, [json.dumps(identify)],
                       received_at=time.time(), name="traits-echo")
    assert tick(segment_files_sensor, resources, first.cursor).run_requests == []
