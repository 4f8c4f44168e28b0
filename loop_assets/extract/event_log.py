"""Object streams take their changes from the landed Stripe event log, so one walk of /v1/events serves all.

The event log stream lands every event; each object stream (customers, charges, ...) replays the events of
its types from the warehouse, oldest first, from its own cursor, instead of walking the API's events again.
Stripe keeps 30 days of events, so the log's cursor records since when it is complete (`complete_since`);
a stream whose cursor is older than that lists its objects again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..transform.catalog import existing_kind
from ..transform.relation import Relation
from .landing import Page, read_state
from .records import MalformedRecord
from .specs import STREAMS, StreamSpec

LOG_STREAM = next(s.key for s in STREAMS if s.style == "stripe_events")  # event_replay.sql reads its table
REPLAY_SQL = Path(__file__).with_name("event_replay.sql")
REPLAY_PAGE = 1000


class EventLog:
    """The landed event log as one warehouse connection sees it."""

    def __init__(self, conn):
        self.conn = conn
        self.complete_since = (read_state(conn, LOG_STREAM) or {}).get("complete_since", 0)
        self.replayed = 0  # events read back so far, reported as the stream's rows_replayed

    def replay(self, spec: StreamSpec, state: dict) -> Iterator[Page]:
        """Pages of the objects the stream's events carry, from `state["since"]` on. Inclusive: events of the
        last second replayed may have landed since, and seeing one twice is harmless (upserts keep the newest)."""
        # Its own connection: pages are read on the prefetch thread while the landing one writes.
        cursor = self.conn.cursor()
        try:
            if existing_kind(cursor, Relation("raw", LOG_STREAM)) is None:
                return
            cursor.execute(REPLAY_SQL.read_text(), {"types": list(spec.event_types), "since": state["since"]})
            while rows := cursor.fetchmany(REPLAY_PAGE):
                records = [_object_of(event_id, obj) for event_id, _, obj in rows]
                versions = [created for _, created, _ in rows]
                self.replayed += len(rows)
                yield Page(f"raw.{LOG_STREAM}", records, {"phase": "events", "since": versions[-1]}, versions=versions)
        finally:
            cursor.close()


def _object_of(event_id: str, text: str | None) -> dict | MalformedRecord:
    obj = None if text is None else json.loads(text)
    return obj if isinstance(obj, dict) else MalformedRecord(f"event {event_id} has no data.object", raw=obj)
