"""Sensor: notice new data in Stripe and Zendesk with a few cheap calls, and request exactly those extracts.

Stripe: the events list from the last event seen (`created[gte]`, 100 a page, newest first). Zendesk: the
incremental exports from the sensor's own cursor, so anything the sensor sees, the extract (which reads the
same exports, with the same one-minute lag) will see too. The loop's own writes are not changes (`echo.py`).
The sensor never opens the warehouse: DuckDB allows one process per file, and runs hold it.
"""

from __future__ import annotations

import json
import os
import time

import dagster as dg

from ..apps.http import AppError
from ..apps.stripe import StripeClient
from ..apps.zendesk import ZendeskClient
from ..extract.specs import STREAMS, StreamSpec
from ..resources import StripeResource, ZendeskResource
from .echo import is_stripe_echo, zendesk_fingerprint
from .jobs import api_extract_job

# Zendesk allows 10 export requests a minute: 3 exports every 30 s leaves 4 a minute for the extracts.
DEFAULT_POLL_SECONDS = 30
# Enough to recognise the loop's writes to the records changed recently; an unknown record counts as changed.
FINGERPRINTS_KEPT = 5000
# Zendesk rejects an export start_time within its lag (one minute) of now.
ZENDESK_EXPORT_LAG_SECONDS = 65
STRIPE_STREAMS = [s for s in STREAMS if s.app == "stripe"]
ZENDESK_STREAMS = [s for s in STREAMS if s.app == "zendesk"]


def poll_seconds() -> int:
    """`LOOP_APP_POLL_SECONDS`: poll more often under a higher Zendesk export limit (or a sandbox), less to spare it."""
    value = os.environ.get("LOOP_APP_POLL_SECONDS") or str(DEFAULT_POLL_SECONDS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"LOOP_APP_POLL_SECONDS must be a whole number of seconds, at least 1; it is {value!r}")
    return int(value)


def _asset_key(spec: StreamSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.key])


def _streams_of_event(event_type: str) -> set[str]:
    return {s.key for s in STRIPE_STREAMS if not s.event_types or event_type in s.event_types}


def stripe_changes(client: StripeClient, cursor: dict | None) -> tuple[set[str], dict]:
    """Stripe streams with new events since `cursor` (echoes aside), and the cursor after them."""
    if cursor is None:
        return {s.key for s in STRIPE_STREAMS}, {"since": int(time.time()), "seen": []}
    since, seen = cursor["since"], set(cursor["seen"])
    high, at_high = since, set(seen)
    changed: set[str] = set()
    for page in client.list_pages("events", {"created[gte]": since}):
        for event in page.records:
            created = event["created"]
            if created > high:
                high, at_high = created, set()
            if created == high:
                at_high.add(event["id"])
            if event["id"] not in seen and not is_stripe_echo(event):
                changed |= _streams_of_event(event["type"])
        if changed == {s.key for s in STRIPE_STREAMS}:
            break  # the newest event came first, so the cursor is already complete
    return changed, {"since": high, "seen": sorted(at_high)}


def zendesk_changes(client: ZendeskClient, spec: StreamSpec, cursor: dict | None) -> tuple[bool, dict]:
    """Whether a Zendesk export has records changed by someone other than the loop, and the cursor after them."""
    if cursor is None:
        start = {"start_time": int(time.time()) - ZENDESK_EXPORT_LAG_SECONDS}
        return True, {"state": start, "prints": {}}
    state, prints = cursor["state"], dict(cursor["prints"])
    changed = False
    for page in client.export_pages(spec.resource, state):
        for record in page.records:
            key, fingerprint = str(record["id"]), zendesk_fingerprint(spec.resource, record)
            if prints.pop(key, None) != fingerprint:
                changed = True
            prints[key] = fingerprint  # re-inserted last: the dict keeps the most recent records
        state = page.state
    while len(prints) > FINGERPRINTS_KEPT:
        del prints[next(iter(prints))]
    return changed, {"state": state, "prints": prints}


def _check_apps(stripe: StripeResource, zendesk: ZendeskResource, cursor: dict) -> tuple[set[str], dict, list[str]]:
    """Changed stream keys, the new cursor, and one line per app that could not be reached."""
    changed: set[str] = set()
    errors: list[str] = []
    new_cursor = dict(cursor)
    # One quick retry at most: the next tick is the retry, and a tick must not outlast the sensor timeout.
    try:
        keys, new_cursor["stripe"] = stripe_changes(
            StripeClient(stripe.api_key, stripe.base_url, max_retries=1), cursor.get("stripe"))
        changed |= keys
    except AppError as exc:
        errors.append(str(exc))
    client = ZendeskClient(zendesk.base_url, zendesk.email, zendesk.api_token, max_retries=1)
    for spec in ZENDESK_STREAMS:
        try:
            stream_changed, new_cursor[spec.key] = zendesk_changes(client, spec, cursor.get(spec.key))
        except AppError as exc:
            errors.append(str(exc))
            continue
        if stream_changed:
            changed.add(spec.key)
    return changed, new_cursor, errors


@dg.sensor(
    name="app_changes",
    target=api_extract_job,
    minimum_interval_seconds=poll_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests the Stripe and Zendesk extracts whose app has changes the loop did not make itself.",
)
def app_changes_sensor(context: dg.SensorEvaluationContext, stripe: StripeResource, zendesk: ZendeskResource):
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, new_cursor, errors = _check_apps(stripe, zendesk, cursor)
    for error in errors:
        context.log.warning(f"app_changes could not check an app, will retry next tick: {error}")
    if not changed:
        reason = "; ".join(errors) if errors else "no changes in Stripe or Zendesk besides the loop's own writes"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=json.dumps(new_cursor))
    keys = [_asset_key(s) for s in STREAMS if s.key in changed]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(asset_selection=keys, tags={"loop/changed": ",".join(sorted(changed))})],
        cursor=json.dumps(new_cursor),
    )
