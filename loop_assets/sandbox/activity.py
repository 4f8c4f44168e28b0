"""Advance the sandbox apps through the last N minutes of business, so the loop always has something new.

Volumes follow the size of the store (the generator's daily rates scaled to the window), with at
least one of each change per call so a short window still moves every stream. Every change bumps
`updated`/`updated_at` or records a Stripe event, which is what incremental syncs look at.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from functools import lru_cache
from pathlib import Path

from . import stripe_activity, zendesk_activity
from .credentials import SEGMENT_SOURCE_ID
from .generator import GENERATOR_META_KEY, SEGMENT_LANDED_META_KEY
from .segment_history import calls_for_window
from .segment_landing import day_ms, write_landing_file
from .store import Store, now as clock
from .world import Company, build_world, poisson
from .zendesk_activity import create_ticket

__all__ = ["advance", "create_ticket"]

HOURS_PER_WINDOW = 90 * 24  # the generator's rates are per customer per 90 days


def advance(store: Store, state_dir: Path, *, minutes: int = 60, now: int | None = None,
            seed: int | None = None) -> dict[str, int]:
    """Apply `minutes` worth of business at `now` (Segment calls spread over the window); returns counts."""
    if minutes < 1:
        raise ValueError(f"activity needs minutes >= 1, got {minutes}")
    now = clock() if now is None else now
    start = now - minutes * 60
    rng = random.Random(f"activity:{seed}:{now}:{minutes}")
    customers = max(1, store.count("stripe", "customer"))
    per_window = customers * minutes / 60 / HOURS_PER_WINDOW

    def how_many(per_customer_90_days: float) -> int:
        return max(1, poisson(rng, per_window * per_customer_90_days))

    def moment() -> int:
        # Changes carry the time they are made, as in a real app: a change stamped in the past could fall
        # behind a cursor a client has already saved, which no real API would allow.
        return now

    counts: Counter[str] = Counter()
    with store.transaction():
        for _ in range(how_many(0.12)):
            company = stripe_activity.add_customer(store, rng, at=moment())
            zendesk_activity.add_user(store, rng, at=moment(), company=company)
            counts["stripe.customer"] += 1
            counts["zendesk.user"] += 1
        subscriptions = stripe_activity.live_subscriptions(store)
        if subscriptions:
            for _ in range(how_many(7.0)):
                stripe_activity.add_charge(store, rng, rng.choice(subscriptions)["customer"], at=moment())
                counts["stripe.charge"] += 1
            for sub in rng.sample(subscriptions, min(len(subscriptions), how_many(0.3))):
                counts[f"stripe.subscription.{stripe_activity.change_subscription(store, rng, sub, at=moment())}"] += 1
        for _ in range(how_many(0.05)):
            zendesk_activity.add_user(store, rng, at=moment())
            counts["zendesk.user"] += 1
        # Agents work on the tickets that were already there, not on the ones opened in this same moment.
        tickets = zendesk_activity.unfinished_tickets(store)
        requesters = zendesk_activity.end_user_ids(store)
        for _ in range(how_many(1.0) if requesters else 0):
            zendesk_activity.open_random_ticket(store, rng, rng.choice(requesters), at=moment())
            counts["zendesk.ticket.new"] += 1
        for ticket, created in rng.sample(tickets, min(len(tickets), how_many(2.0))):
            at = max(moment(), created + 1)
            zendesk_activity.move_ticket(store, rng, ticket, created=created, at=min(at, now))
            counts["zendesk.ticket.changed"] += 1
    counts.update(_land_segment_calls(store, state_dir, rng, start=start, now=now))
    return dict(counts)


def _land_segment_calls(store: Store, state_dir: Path, rng: random.Random, *, start: int, now: int) -> dict[str, int]:
    """Product calls of the window not landed yet, one file per receiving day."""
    settings = store.get_meta(GENERATOR_META_KEY)
    start = max(start, int(store.get_meta(SEGMENT_LANDED_META_KEY, "0")))
    if settings is None or start >= now:
        return {}
    config = json.loads(settings)
    canceled = {row[0] for row in store.query(
        "select json_extract(body, '$.customer') from objects where app = 'stripe' and kind = 'subscription' "
        "and json_extract(body, '$.status') = 'canceled'")}
    world = [company for company in _world(config["seed"], config["customers"], config["now"], config["days"])
             if company.customer_id not in canceled]
    lines = [(received, line) for received, line in calls_for_window(
        rng, world, start=start, end=now, events_per_customer_day=config["events_per_customer_day"])
        if received < now]
    by_day: dict[int, list[tuple[float, str]]] = {}
    for received, line in sorted(lines):
        by_day.setdefault(day_ms(received), []).append((received, line))
    for day_lines in by_day.values():
        write_landing_file(state_dir, SEGMENT_SOURCE_ID, [line for _, line in day_lines],
                           received_at=day_lines[0][0], name=f"{now}-activity")
    with store.transaction():
        store.set_meta(SEGMENT_LANDED_META_KEY, str(now))
    return {"segment.line": len(lines), "segment.file": len(by_day)}


@lru_cache(maxsize=1)
def _world(seed: int, customers: int, now: int, days: int) -> list[Company]:
    # rebuilding a large cast takes seconds; the server calls `advance` again and again in one process
    return build_world(seed=seed, customers=customers, now=now, days=days)
