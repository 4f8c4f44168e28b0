"""Stripe customers: one metadata update per customer, with an idempotency key per (sync, customer, payload)."""

from __future__ import annotations

import hashlib
import json

from ...apps.http import AppError
from ...apps.stripe import StripeClient
from ..diff import Change
from ..fields import nest
from .base import Sent, refused_by_app


class StripeCustomersAdapter:
    def __init__(self, client: StripeClient, sync: str) -> None:
        self.client = client
        self.sync = sync
        self.stats = client.stats

    def send(self, rows: list[Change]) -> Sent:
        """Stripe has no bulk update: one POST per customer; a removed row unsets its keys (empty values)."""
        refused = {}
        for row in rows:
            metadata = nest(row.payload or {}).get("metadata") or {path.split(".", 1)[1]: None
                                                                     for path in row.delivered or {}}
            form = {key: "" if value is None else str(value) for key, value in metadata.items()}
            # The delivered hash is part of the key too: re-adding an earlier payload after it was cleared
            # must not replay the first, now stale, response.
            key = f"{self.sync}:{row.key}:{_short_hash(row.delivered)}:{row.payload_hash or 'removed'}"
            try:
                self.client.update_customer_metadata(row.key, form, idempotency_key=key[:255])
            except AppError as error:
                if not refused_by_app(error):
                    raise
                refused[row.key] = error.message
        return Sent(len(rows), refused)


def _short_hash(payload: dict | None) -> str:
    if payload is None:
        return "new"
    return hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
