"""Stripe customer updates: `metadata[key]=value` form fields, Stripe's metadata limits, `customer.updated`."""

from __future__ import annotations

import re

from .store import Store, now
from .stripe_errors import StripeError, invalid_request
from .stripe_events import emit_event

MAX_METADATA_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500
METADATA_FIELD = re.compile(r"^metadata\[([^\[\]]+)\]$")


def get_customer(store: Store, customer_id: str) -> dict:
    """The stored customer, or Stripe's 404."""
    customer = store.get("stripe", "customer", customer_id)
    if customer is None:
        raise StripeError(404, f"No such customer: '{customer_id}'", code="resource_missing", param="id")
    return customer


def update_customer(store: Store, customer_id: str, fields: list[tuple[str, str]]) -> dict:
    """Apply form fields to a customer's metadata and record `customer.updated` if anything changed."""
    changes = _metadata_changes(fields)
    with store.transaction():
        customer = get_customer(store, customer_id)
        metadata = dict(customer.get("metadata") or {})
        if changes is None:  # `metadata=` (empty) unsets every key
            changes = {key: "" for key in metadata}
        previous = {}
        for key, value in changes.items():
            old = metadata.get(key)
            if value == "":
                metadata.pop(key, None)
            else:
                metadata[key] = value
            if metadata.get(key) != old:
                previous[key] = old
        if len(metadata) > MAX_METADATA_KEYS:
            raise invalid_request(
                f"You can have up to {MAX_METADATA_KEYS} metadata keys, but this update would leave "
                f"{len(metadata)}.", param="metadata")
        if not previous:
            return customer
        customer["metadata"] = metadata
        store.put("stripe", "customer", customer, created=customer["created"], updated=now())
        emit_event(store, "customer.updated", customer, previous_attributes={"metadata": previous})
    return customer


def _metadata_changes(fields: list[tuple[str, str]]) -> dict[str, str] | None:
    changes: dict[str, str] = {}
    for name, value in fields:
        if name == "metadata" and value == "":
            return None
        match = METADATA_FIELD.match(name)
        if match is None:
            raise invalid_request(f"Received unknown parameter: {name}", param=name)
        key = match.group(1)
        if len(key) > MAX_KEY_LENGTH:
            raise invalid_request(
                f"Metadata keys can have up to {MAX_KEY_LENGTH} characters, but you passed in a key that is "
                f"{len(key)} characters.", param=name)
        if len(value) > MAX_VALUE_LENGTH:
            raise invalid_request(
                f"Metadata values can have up to {MAX_VALUE_LENGTH} characters, but you passed in a value "
                f"that is {len(value)} characters.", param=name)
        changes[key] = value
    return changes
