"""Walk each app's pages from a saved cursor, yielding `Page`s that carry the cursor to save after them.

Every generator resumes exactly where the last landed page left off, so a killed run re-fetches at most
the pages of the group it was landing (see `prefetch.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ..apps.segment import SegmentLanding
from ..apps.stripe import StripeClient
from ..apps.zendesk import ZendeskClient
from .event_log import EventLog
from .landing import Page
from .segment_lines import LinePage
from .specs import StreamSpec

# Stripe keeps events for 30 days; a cursor older than this (less a margin) cannot catch up from events.
STRIPE_EVENT_RETENTION = 30 * 86400 - 3600
SEGMENT_BATCH = 20_000


def stripe_object_pages(client: StripeClient, spec: StreamSpec, state: dict | None, log: EventLog) -> Iterator[Page]:
    """A full list the first time (snapshot as of its start), then the changes the landed event log holds;
    listed again when the log has a gap past the stream's cursor."""
    if state is None or (state["phase"] == "events" and state["since"] < log.complete_since):
        state = {"phase": "list", "as_of": int(time.time())}
    if state["phase"] == "list":
        as_of = state["as_of"]
        pages = client.list_pages(spec.resource, dict(spec.list_params), starting_after=state.get("starting_after"))
        for page in pages:
            last_id = page.records[-1].get("id") if page.records else None
            after = ({"phase": "list", "as_of": as_of, "starting_after": last_id} if page.has_more
                     else {"phase": "events", "since": as_of})
            yield Page(f"GET /v1/{spec.resource}", page.records, after, versions=[as_of] * len(page.records))
        state = {"phase": "events", "since": as_of}
    yield from log.replay(spec, state)


def stripe_event_log_pages(client: StripeClient, spec: StreamSpec, state: dict | None) -> Iterator[Page]:
    """The event log, from the newest event already landed. Its cursor keeps since when the landed log is
    complete: a walk starting past Stripe's retention has lost the events before it."""
    state = state or {"phase": "events", "since": 0}
    since, high = state["since"], state.get("high", state["since"])
    horizon = int(time.time()) - STRIPE_EVENT_RETENTION
    complete = max(state.get("complete_since", 0), horizon if since < horizon else 0)
    # created[gte] rather than [gt]: events of the last landed second may still have been arriving; the
    # upsert by id makes seeing them twice harmless.
    for page in client.list_pages("events", {"created[gte]": since}, starting_after=state.get("starting_after")):
        versions = [event.get("created") if isinstance(event, dict) else None for event in page.records]
        high = max([high, *(v for v in versions if isinstance(v, int))])
        last_id = page.records[-1].get("id") if page.records else None
        after = ({"phase": "events", "since": since, "high": high, "starting_after": last_id} if page.has_more
                 else {"phase": "events", "since": high})
        yield Page("GET /v1/events", page.records, {**after, "complete_since": complete},
                   versions=[v if isinstance(v, int) else 0 for v in versions])


def zendesk_export_pages(client: ZendeskClient, spec: StreamSpec, state: dict | None) -> Iterator[Page]:
    """Zendesk's incremental export: oldest change first, the export's own cursor saved after each page."""
    for page in client.export_pages(spec.resource, state):
        yield Page(f"GET /api/v2/incremental/{spec.resource}", page.records, page.state)


def segment_file_pages(landing: SegmentLanding, day: date, paths: list[Path],
                       landed: frozenset[str]) -> Iterator[LinePage]:
    """Every line of `paths`, files of one received day, in pages of up to SEGMENT_BATCH lines across files
    (a day holds many small hourly files). Each page's cursor names the day's files read whole so far,
    `landed` (read by earlier runs) included: Segment never changes a file it has written, so a late file
    for an old day costs its own lines, not the day's. A file cut short keeps its lines, marks the break
    and is read again next time."""
    batch = _SegmentBatch(day, sorted(landed))
    for path in paths:
        line_no = 0
        try:
            for line_no, text in landing.read_lines(path):
                # Cut before adding a line: a page that ends a file goes out once the file counts as read.
                if len(batch.lines) >= SEGMENT_BATCH:
                    yield batch.page()
                    batch = _SegmentBatch(day, batch.done)
                batch.add(text, path, line_no)
        except ValueError as exc:
            # A cut-off file keeps the lines read so far; the break itself is quarantined, not skipped.
            batch.add(f"<unreadable from line {line_no + 1} of {path.name}>", path, line_no + 1, broken=str(exc))
        else:
            batch.done.append(path.name)
    if batch.lines:
        yield batch.page()


def landed_files(state: dict | None) -> frozenset[str]:
    """The files of a Segment day its cursor says were read whole (none for a cursor from before they were kept)."""
    return frozenset((state or {}).get("done", []))


def files_to_read(landing: SegmentLanding, day: date, landed: frozenset[str]) -> tuple[list[Path], int]:
    """The day's files not yet read whole, in the landing's order, and how many were."""
    paths = landing.files(day)
    unread = [path for path in paths if path.name not in landed]
    return unread, len(paths) - len(unread)


class _SegmentBatch:
    """Lines gathered for one page, with their `file:line` positions, and the day's files read whole."""

    def __init__(self, day: date, done: list[str]):
        self.day = day
        self.done = list(done)
        self.lines, self.positions, self.broken = [], [], {}
        self.last = None

    def add(self, text: str, path, line_no: int, broken: str | None = None) -> None:
        if broken is not None:
            self.broken[len(self.lines)] = broken
        self.lines.append(text)
        self.positions.append(f"{path.name}:{line_no}")
        self.last = (path, line_no)

    def page(self) -> LinePage:
        path, line_no = self.last
        state = {"day": self.day.isoformat(), "file": path.name, "line": line_no, "done": self.done}
        return LinePage(str(path.parent), self.lines, self.positions, state, self.broken)
