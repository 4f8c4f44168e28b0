"""Stripe's event log in the sandbox: every change to a Stripe object is recorded as an `evt_` object."""

from __future__ import annotations

import random

from .store import Store, now
from .world import ID_ALPHABET, random_id

# Base-62 digits of the store's change counter at the head of an event id (62**8: 2e14 changes).
ORDER_DIGITS = 8
SYSTEM_RANDOM = random.SystemRandom()


def emit_event(store: Store, event_type: str, obj: dict, *, previous_attributes: dict | None = None,
               created: int | None = None, rng: random.Random | None = None) -> dict:
    """Record `event_type` (e.g. `customer.updated`) with a snapshot of `obj`, as Stripe's events API shows it.

    The id begins with the store's change counter, so ids sort in the order events happen, as Stripe's
    time-ordered ids do: lists break ties of `created` by id, and a reader replaying one second's events
    oldest first must see an object's last change last. `rng` draws the rest, so a seed reproduces it.
    """
    created = now() if created is None else created
    data = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    with store.transaction():
        seq = store.next_value("seq")
        event = {
            "id": random_id(rng or SYSTEM_RANDOM, f"evt_{_base62(seq, ORDER_DIGITS)}", 16),
            "object": "event",
            "api_version": "2025-03-31.basil",
            "created": created,
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        return store.put("stripe", "event", event, created=created, seq=seq)


def _base62(value: int, width: int) -> str:
    if value >= 62 ** width:
        raise OverflowError(f"change counter {value} does not fit {width} base-62 digits")
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 62)
        digits.append(ID_ALPHABET[digit])
    return "".join(reversed(digits))
