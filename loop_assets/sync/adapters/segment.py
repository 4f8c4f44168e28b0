"""Segment computed traits: identify calls through the Tracking API's batch endpoint."""

from __future__ import annotations

import hashlib

from ...apps.http import AppError
from ...apps.segment import SegmentTrackingClient
from ..diff import Change
from ..fields import nest
from .base import Sent, refused_by_app


class SegmentTraitsAdapter:
    def __init__(self, client: SegmentTrackingClient, sync: str) -> None:
        self.client = client
        self.sync = sync
        self.stats = client.stats

    def send(self, rows: list[Change]) -> Sent:
        """One identify per user; the client packs them into as few batches as Segment's limits allow."""
        calls = [{"type": "identify", "userId": row.key, "traits": nest(row.payload or {}).get("traits", {}),
                  "messageId": message_id(self.sync, row)} for row in rows]
        try:
            return Sent(self.client.send_batch(calls))
        except AppError as error:
            if not refused_by_app(error):
                raise
            # Segment refuses a batch as a whole; each row carries the reason and is retried next run.
            return Sent(1, {row.key: error.message for row in rows})


def message_id(sync: str, row: Change) -> str:
    """The same (sync, user, payload) always gets the same messageId, so Segment drops a resend."""
    return hashlib.sha256(f"{sync}:{row.key}:{row.payload_hash}".encode()).hexdigest()[:32]
