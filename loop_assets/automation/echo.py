"""Recognise the loop's own writes coming back from the apps, so they never start another cycle.

The syncs write only the destination fields their specs name (`sync/specs.py`). A change that touches
nothing else is an echo: re-extracting it would rebuild the models and run every sync again just to send
0 requests.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from ..sync.specs import SYNCS


@cache
def owned_paths(app: str, stream: str | None = None) -> frozenset[str]:
    """Destination field paths the syncs write into an app (and, for Zendesk, into one export stream)."""
    return frozenset(path for spec in SYNCS if spec.app == app and (stream is None or spec.raw == f"{app}__{stream}")
                     for _, path in spec.fields)


def _owned_keys(app: str, parent: str, stream: str | None = None) -> set[str]:
    """The keys under `parent` (metadata, traits, custom_fields, ...) that the loop writes."""
    return {path.split(".", 1)[1] for path in owned_paths(app, stream) if path.startswith(parent + ".")}


def is_stripe_echo(event: dict) -> bool:
    """A `customer.updated` event whose only change is to metadata keys the loop writes."""
    if event.get("type") != "customer.updated":
        return False
    previous = (event.get("data") or {}).get("previous_attributes") or {}
    metadata = previous.get("metadata")
    return (set(previous) == {"metadata"} and isinstance(metadata, dict) and bool(metadata)
            and set(metadata) <= _owned_keys("stripe", "metadata"))


def zendesk_fingerprint(stream: str, record: dict) -> str:
    """A hash of the record without `updated_at` and the fields the loop writes: equal before and after an echo."""
    owned = owned_paths("zendesk", stream)
    kept = {k: v for k, v in record.items() if k != "updated_at" and k not in owned}
    custom = _owned_keys("zendesk", "custom_fields", stream)
    if isinstance(kept.get("custom_fields"), list):
        kept["custom_fields"] = [f for f in kept["custom_fields"]
                                 if not (isinstance(f, dict) and str(f.get("id")) in custom)]
    for parent in ("organization_fields", "user_fields"):
        if isinstance(kept.get(parent), dict):
            loop_keys = _owned_keys("zendesk", parent, stream)
            kept[parent] = {k: v for k, v in kept[parent].items() if k not in loop_keys}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def is_segment_echo(call: dict) -> bool:
    """An identify call carrying only traits the loop writes: what the traits sync sends."""
    traits = call.get("traits")
    return (call.get("type") == "identify" and isinstance(traits, dict) and bool(traits)
            and set(traits) <= _owned_keys("segment", "traits"))
