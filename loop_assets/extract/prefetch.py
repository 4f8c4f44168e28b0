"""Fetch and check pages on a background thread and hand them over in groups, so landing one group
overlaps fetching the next and one transaction carries many pages (each costs a commit and a join with the table).

A group closes at `max_records`, or once no page has arrived for IDLE_SECONDS: a stalled app gets what
came before the stall landed with its cursor, so a run killed while waiting re-fetches none of it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import TypeVar

Page = TypeVar("Page")  # any page whose len() is its number of records
_END = object()  # the page walk finished
IDLE_SECONDS = 0.5


def grouped_prefetch(pages: Iterator[Page], *, max_records: int = 10_000) -> Iterator[list[Page]]:
    """The pages of `pages` in order, in groups of at least one page: a group takes what arrives until it
    holds `max_records` or no page has come for IDLE_SECONDS.

    Fetching runs at most about `max_records` ahead of landing. An error while fetching is raised once
    every page fetched before it has been handed over.
    """
    handoff = _Handoff(max_records)
    fetcher = threading.Thread(target=_fetch, args=(pages, handoff), name="loop-prefetch", daemon=True)
    fetcher.start()
    try:
        while True:
            taken = handoff.take()
            last = taken.pop() if taken[-1] is _END or isinstance(taken[-1], BaseException) else None
            if taken:
                yield taken
            if isinstance(last, BaseException):
                raise last
            if last is _END:
                return
    finally:
        handoff.close()


def _fetch(pages: Iterator, handoff: _Handoff) -> None:
    try:
        for page in pages:
            if not handoff.put(page, len(page)):
                return  # landing stopped: nobody will take more pages
        handoff.put(_END, 0)
    except BaseException as exc:  # raised in the landing thread, inside the run
        handoff.put(exc, 0)


class _Handoff:
    """Items in flight from the fetching thread to the landing one: pages, then _END or an exception."""

    def __init__(self, max_records: int):
        self.items: deque = deque()  # (item, records)
        self.records = 0
        self.max_records = max_records
        self.closed = False
        self.changed = threading.Condition()

    def put(self, item, records: int) -> bool:
        """Queue `item` once fewer than max_records wait; False when the landing side has closed."""
        with self.changed:
            self.changed.wait_for(lambda: self.closed or self.records < self.max_records)
            if self.closed:
                return False
            self.items.append((item, records))
            self.records += records
            self.changed.notify_all()
            return True

    def take(self) -> list:
        """Items up to max_records, _END or an exception, or until none arrives for IDLE_SECONDS."""
        taken, records = [], 0
        with self.changed:
            self.changed.wait_for(lambda: self.items)
            while records < self.max_records and self.changed.wait_for(lambda: self.items, IDLE_SECONDS):
                item, size = self.items.popleft()
                taken.append(item)
                records += size
                self.records -= size
                self.changed.notify_all()
                if item is _END or isinstance(item, BaseException):
                    break
            return taken

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()
