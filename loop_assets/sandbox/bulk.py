"""Buffered writes into the sandbox store: objects and Stripe events committed in batches, not row by row."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from .store import Store
from .stripe_events import emit_event

BATCH_ROWS = 5000


class BulkWriter:
    """Collects objects per (app, kind) and Stripe events, and commits them a batch at a time."""

    def __init__(self, store: Store, rng: random.Random):
        self.store = store
        self.rng = rng
        self.counts: Counter[str] = Counter()
        self._rows: dict[tuple[str, str], list[tuple[dict, int, int]]] = defaultdict(list)
        self._events: list[tuple[str, dict, dict | None, int]] = []
        self._pending = 0

    def add(self, app: str, kind: str, obj: dict, *, created: int, updated: int | None = None) -> None:
        """Queue one object; `updated` defaults to `created`."""
        self._rows[(app, kind)].append((obj, created, created if updated is None else updated))
        self.counts[f"{app}.{kind}"] += 1
        self._count_one()

    def event(self, event_type: str, obj: dict, *, created: int, previous_attributes: dict | None = None) -> None:
        """Queue one Stripe event with an id drawn from the seed."""
        self._events.append((event_type, obj, previous_attributes, created))
        self.counts["stripe.event"] += 1
        self._count_one()

    def flush(self) -> None:
        """Commit everything queued in one transaction."""
        with self.store.transaction():
            for (app, kind), rows in self._rows.items():
                self.store.put_many(app, kind, rows)
            for event_type, obj, previous_attributes, created in self._events:
                emit_event(self.store, event_type, obj, previous_attributes=previous_attributes, created=created,
                           rng=self.rng)
        self._rows.clear()
        self._events.clear()
        self._pending = 0

    def _count_one(self) -> None:
        self._pending += 1
        if self._pending >= BATCH_ROWS:
            self.flush()
