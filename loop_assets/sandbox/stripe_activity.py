"""Live Stripe business for `activity`: new customers and charges, seat changes and cancellations, with events."""

from __future__ import annotations

import copy
import json
import random

from . import stripe_objects as so
from .store import Store
from .stripe_events import emit_event
from .stripe_history import FAILURE_CODES, ONE_OFF_DESCRIPTIONS
from .world import Company, new_company, random_id

LIVE_STATUSES = ("active", "past_due", "trialing")


def live_subscriptions(store: Store) -> list[dict]:
    """Subscriptions that can still change or be billed, in a stable order."""
    rows = store.query(
        "select body from objects where app = 'stripe' and kind = 'subscription' "
        "and json_extract(body, '$.status') in (?, ?, ?) order by id", LIVE_STATUSES)
    return [json.loads(row[0]) for row in rows]


def add_customer(store: Store, rng: random.Random, *, at: int) -> Company:
    """A company signs up: a customer and a trialing subscription, each with its event."""
    taken = {row[0].split("@")[-1] for row in store.query(
        "select json_extract(body, '$.email') from objects where app = 'stripe' and kind = 'customer'") if row[0]}
    company = new_company(rng, created=at, taken_domains=taken)
    cust = so.customer(company)
    store.put("stripe", "customer", cust, created=at)
    _event(store, rng, "customer.created", cust, at)
    trial = (at, at + 14 * 86400)
    sub = so.subscription(company, subscription_id=random_id(rng, "sub_", 24), status="trialing",
                          seats=company.seats, period=trial, trial=trial)
    store.put("stripe", "subscription", sub, created=at)
    _event(store, rng, "customer.subscription.created", sub, at)
    return company


def add_charge(store: Store, rng: random.Random, customer_id: str, *, at: int) -> dict:
    """A one-off charge for a customer: mostly succeeded, sometimes declined."""
    cust = store.get("stripe", "customer", customer_id)
    failure = rng.choice(FAILURE_CODES) if rng.random() < 0.05 else None
    ch = so.charge(cust, charge_id=random_id(rng, "ch_", 24), created=at, failure_code=failure,
                   amount=max(500, round(rng.lognormvariate(8.0, 1.0) / 100) * 100),
                   description=rng.choice(ONE_OFF_DESCRIPTIONS))
    store.put("stripe", "charge", ch, created=at)
    _event(store, rng, "charge.failed" if failure else "charge.succeeded", ch, at)
    return ch


def change_subscription(store: Store, rng: random.Random, sub: dict, *, at: int) -> str:
    """Add seats, remove seats or cancel; returns which, after recording the event."""
    changed = copy.deepcopy(sub)
    item = changed["items"]["data"][0]
    change = rng.choices(("upgrade", "downgrade", "cancel"), (50, 25, 25))[0]
    if change == "downgrade" and item["quantity"] <= 1:
        change = "upgrade"
    if change == "cancel":
        changed.update(status="canceled", canceled_at=at, ended_at=at,
                       cancellation_details={"comment": None, "feedback": rng.choice(
                           ("too_expensive", "missing_features", "switched_service", "unused", None)),
                           "reason": "cancellation_requested"})
        store.put("stripe", "subscription", changed, created=sub["created"], updated=at)
        _event(store, rng, "customer.subscription.deleted", changed, at)
        return change
    step = max(1, round(item["quantity"] * rng.uniform(0.05, 0.3)))
    item["quantity"] += step if change == "upgrade" else -min(step, item["quantity"] - 1)
    store.put("stripe", "subscription", changed, created=sub["created"], updated=at)
    _event(store, rng, "customer.subscription.updated", changed, at, previous={"items": sub["items"]})
    return change


def _event(store: Store, rng: random.Random, event_type: str, obj: dict, at: int,
           previous: dict | None = None) -> None:
    emit_event(store, event_type, obj, previous_attributes=previous, created=at, rng=rng)
