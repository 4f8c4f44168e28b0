"""Fill an empty sandbox with a deterministic history of a B2B SaaS business across Stripe, Zendesk and Segment.

The cast and its mess are described in `world.py`; each app's history in `stripe_history.py`,
`zendesk_history.py` and `segment_history.py`. The same seed, scale and `now` give identical objects,
ids and files. The settings are kept in the store (meta `generator`) so `activity` can continue the
same world.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from .bulk import BulkWriter
from .segment_history import write_segment_history
from .store import Store, now as clock
from .stripe_history import write_stripe_history
from .world import DAY, build_world
from .zendesk_history import write_zendesk_history

GENERATOR_META_KEY = "generator"
SEGMENT_LANDED_META_KEY = "segment_landed_until"


def generate(store: Store, state_dir: Path, *, customers: int, days: int = 90, seed: int = 7,
             now: int | None = None, events_per_customer_day: float = 1.5) -> dict[str, int]:
    """Write `days` of history ending at `now` for `customers` companies; returns counts per `app.kind`."""
    if customers < 1 or days < 1:
        raise ValueError(f"generate needs customers >= 1 and days >= 1, got customers={customers} days={days}")
    now = clock() if now is None else now
    world = build_world(seed=seed, customers=customers, now=now, days=days)
    writer = BulkWriter(store, random.Random(f"events:{seed}"))
    write_stripe_history(writer, world, seed=seed, now=now, days=days)
    write_zendesk_history(writer, world, seed=seed, now=now, days=days)
    writer.flush()
    counts = dict(writer.counts)
    counts.update(write_segment_history(world, state_dir, seed=seed, start=now - days * DAY, end=now,
                                        events_per_customer_day=events_per_customer_day))
    with store.transaction():
        store.set_meta(GENERATOR_META_KEY, json.dumps({
            "seed": seed, "customers": customers, "days": days, "now": now,
            "events_per_customer_day": events_per_customer_day}))
        store.set_meta(SEGMENT_LANDED_META_KEY, str(now))
    return counts
