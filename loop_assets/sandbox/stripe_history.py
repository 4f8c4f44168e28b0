"""The Stripe side of the generated history: customers, subscriptions, invoices, charges and their events.

Invoices and charges cover the history window; events cover only its last 30 days, because Stripe's
events API keeps 30 days. Roughly ten charges per customer per 90 days: one per paid invoice, failed
retries of past-due invoices, and heavy-tailed one-off charges (usage, add-ons, services).
"""

from __future__ import annotations

import random
from datetime import datetime, timezone

from . import stripe_objects as so
from .bulk import BulkWriter
from .world import DAY, Company, poisson, random_id

EVENT_DAYS = 30
ONE_OFF_CHARGES_PER_90_DAYS = 7.0
ONE_OFF_DESCRIPTIONS = ("API usage overage", "Additional seats (prorated)", "Onboarding package",
                        "Premium support add-on", "Data retention add-on", "Training session")
FAILURE_CODES = tuple(so.FAILURES)


def write_stripe_history(writer: BulkWriter, world: list[Company], *, seed: int, now: int, days: int) -> None:
    """Queue every Stripe object and event of the window into `writer`."""
    rng = random.Random(f"stripe:{seed}")
    mean_size = sum(company.size for company in world) / max(1, len(world))
    for company in world:
        cust = so.customer(company)
        writer.add("stripe", "customer", cust, created=company.created)
        if company.created > now - EVENT_DAYS * DAY:
            writer.event("customer.created", cust, created=company.created)
        _subscription(writer, rng, company, cust, now=now, window_start=now - days * DAY)
        _one_off_charges(writer, rng, company, cust, now=now, days=days, mean_size=mean_size)


def add_period(ts: int, interval: str, count: int = 1) -> int:
    """`ts` moved by `count` billing intervals, keeping the day of month like Stripe (clamped to month end)."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    months = moment.month - 1 + count * (12 if interval == "year" else 1)
    year, month = moment.year + months // 12, months % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return int(moment.replace(year=year, month=month, day=day).timestamp())
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def _periods(anchor: int, interval: str, window_start: int, end: int) -> list[tuple[int, int]]:
    """Billing periods that start inside [window_start, end], plus the one running at window start."""
    step = 365 * DAY if interval == "year" else 28 * DAY
    index = max(0, (window_start - anchor) // step - 1)
    while add_period(anchor, interval, index + 1) <= window_start:
        index += 1
    periods = []
    start = add_period(anchor, interval, index)
    while start <= end:
        stop = add_period(anchor, interval, index + 1)
        periods.append((start, stop))
        index, start = index + 1, stop
    return periods


def _subscription(writer: BulkWriter, rng: random.Random, company: Company, cust: dict, *, now: int,
                  window_start: int) -> None:
    sub_id = random_id(rng, "sub_", 24)
    events_since = now - EVENT_DAYS * DAY
    if company.fate == "trialing":
        trial = (company.created, company.created + 14 * DAY)
        sub = so.subscription(company, subscription_id=sub_id, status="trialing", seats=company.seats,
                              period=trial, trial=trial)
        writer.add("stripe", "subscription", sub, created=company.created)
        writer.event("customer.subscription.created", sub, created=company.created)
        return

    end = company.churned_at or now
    seats_before, changed_at = company.seats, None
    if company.fate in ("active", "past_due") and rng.random() < 0.12:
        changed_at = rng.randint(max(window_start, company.created), now)
        seats_before = max(1, round(company.seats * rng.uniform(0.5, 0.95))) if rng.random() < 0.75 \
            else company.seats + rng.randint(1, 3)
    periods = _periods(company.created, company.interval, window_start, end)
    latest_invoice, last_change = None, company.created
    for number, (start, stop) in enumerate(periods, start=1):
        if start < window_start:  # the period running at window start was billed before it
            continue
        seats = seats_before if changed_at and start < changed_at else company.seats
        is_last = number == len(periods)
        latest_invoice = random_id(rng, "in_", 24)
        if company.fate == "past_due" and is_last:
            status, paid_at = "open", None
            _failed_attempts(writer, rng, cust, amount_of(company, seats), start=start, now=now)
        elif company.fate == "churned" and is_last and rng.random() < 0.3:
            status, paid_at = "uncollectible", None
            _failed_attempts(writer, rng, cust, amount_of(company, seats), start=start, now=now)
        else:
            status, paid_at = ("void", None) if rng.random() < 0.01 else ("paid", start + rng.randint(60, 3600))
        inv = so.invoice(company, invoice_id=latest_invoice, subscription_id=sub_id, seats=seats,
                         period=(start, stop), status=status, paid_at=paid_at, number=number)
        writer.add("stripe", "invoice", inv, created=start, updated=paid_at or start)
        last_change = max(last_change, paid_at or start)
        if paid_at:
            ch = so.charge(cust, charge_id=random_id(rng, "ch_", 24), amount=inv["amount_paid"],
                           created=paid_at, description="Subscription update")
            writer.add("stripe", "charge", ch, created=paid_at)
            if paid_at > events_since:
                writer.event("charge.succeeded", ch, created=paid_at)
                writer.event("invoice.paid", inv, created=paid_at)

    status = {"churned": "canceled", "past_due": "past_due"}.get(company.fate, "active")
    current = periods[-1] if periods else (company.created, add_period(company.created, company.interval))
    sub = so.subscription(company, subscription_id=sub_id, status=status, seats=company.seats, period=current,
                          canceled_at=company.churned_at, latest_invoice=latest_invoice)
    updated = max(last_change, changed_at or 0, company.churned_at or 0)
    writer.add("stripe", "subscription", sub, created=company.created, updated=updated)
    if company.created > events_since:
        writer.event("customer.subscription.created", {**sub, "status": "active", "canceled_at": None,
                                                       "ended_at": None}, created=company.created)
    if changed_at and changed_at > events_since and seats_before != company.seats:
        previous_items = {**sub["items"], "data": [{**sub["items"]["data"][0], "quantity": seats_before}]}
        writer.event("customer.subscription.updated", sub, created=changed_at,
                     previous_attributes={"items": previous_items})
    if company.churned_at and company.churned_at > events_since:
        writer.event("customer.subscription.deleted", sub, created=company.churned_at)


def amount_of(company: Company, seats: int) -> int:
    """What one billing period of `seats` costs the company, in cents."""
    return so.price(company.plan, company.interval)["unit_amount"] * seats


def _failed_attempts(writer: BulkWriter, rng: random.Random, cust: dict, amount: int, *, start: int,
                     now: int) -> None:
    """Smart retries: the first attempt at finalization, then every few days until the window ends."""
    attempt_at = start + rng.randint(60, 3600)
    for _ in range(rng.randint(1, 4)):
        if attempt_at > now:
            return
        ch = so.charge(cust, charge_id=random_id(rng, "ch_", 24), amount=amount, created=attempt_at,
                       description="Subscription update", failure_code=rng.choice(FAILURE_CODES))
        writer.add("stripe", "charge", ch, created=attempt_at)
        if attempt_at > now - EVENT_DAYS * DAY:
            writer.event("charge.failed", ch, created=attempt_at)
        attempt_at += rng.randint(2, 5) * DAY


def _one_off_charges(writer: BulkWriter, rng: random.Random, company: Company, cust: dict, *, now: int,
                     days: int, mean_size: float) -> None:
    start = max(company.created, now - days * DAY)
    end = company.churned_at or now
    if company.fate == "trialing" or end <= start:
        return
    mean = ONE_OFF_CHARGES_PER_90_DAYS * (end - start) / (90 * DAY) * company.size / mean_size
    for _ in range(poisson(rng, mean)):
        created = rng.randint(start, end)
        amount = max(500, round(rng.lognormvariate(8.0, 1.0) * company.size / 100) * 100)
        failure = rng.choice(FAILURE_CODES) if rng.random() < 0.04 else None
        refund_at = created + rng.randint(3600, 10 * DAY) if not failure and rng.random() < 0.03 else None
        refunded = 0 if refund_at is None or refund_at > now else amount if rng.random() < 0.7 else amount // 2
        ch = so.charge(cust, charge_id=random_id(rng, "ch_", 24), amount=amount, created=created,
                       description=rng.choice(ONE_OFF_DESCRIPTIONS), failure_code=failure,
                       amount_refunded=refunded)
        writer.add("stripe", "charge", ch, created=created, updated=refund_at if refunded else created)
        if created > now - EVENT_DAYS * DAY:
            writer.event("charge.failed" if failure else "charge.succeeded",
                         {**ch, "amount_refunded": 0, "refunded": False}, created=created)
        if refunded and refund_at > now - EVENT_DAYS * DAY:
            writer.event("charge.refunded", ch, created=refund_at,
                         previous_attributes={"amount_refunded": 0, "refunded": False})
