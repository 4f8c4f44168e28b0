"""Stripe's event log in the sandbox: every change to a Stripe object is recorded as an `evt_` object."""

from __future__ import annotations

import secrets

from .store import Store, now


def emit_event(store: Store, event_type: str, obj: dict, *, previous_attributes: dict | None = None,
               created: int | None = None, event_id: str | None = None) -> dict:
    """Record `event_type` (e.g. `customer.updated`) with a snapshot of `obj`, as Stripe's events API shows it.

    `event_id` lets the generator and `activity` replay identical ids from a seed.
    """
    created = now() if created is None else created
    data = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    event = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return store.put("stripe", "event", event, created=created)
