"""Send a plan's rows in batches at the app's pace, committing the app's answers to the journal as they come."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

from . import journal
from .adapters.base import Adapter, Sent
from .diff import Change
from .specs import SyncSpec

RECORD_EVERY_SECONDS = 0.25  # answers wait at most about this long to be recorded, many calls in one transaction

Answer = tuple[list[Change], Sent]


@dataclass
class Delivery:
    requests: int = 0
    confirmed: int = 0
    rejected: int = 0
    api_calls: int = 0  # with Zendesk's job polls; filled in by the caller, which owns the adapter
    retries: int = 0
    seconds: float = 0.0


class Pacer:
    """Spaces request starts 1/rate seconds apart across every sending thread."""

    def __init__(self, requests_per_second: float):
        self.spacing = 1.0 / requests_per_second
        self.next_start = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            start = max(time.monotonic(), self.next_start)
            self.next_start = start + self.spacing
        time.sleep(max(0.0, start - time.monotonic()))


def deliver(spec: SyncSpec, rows: list[Change], adapter: Adapter,
            connect: Callable[[], AbstractContextManager]) -> Delivery:
    """At-least-once: a batch is recorded in the journal `connect` opens only once the app answered it, so
    a crash resends just the rest.

    Up to `spec.in_flight` batches are with the app at once (Stripe takes one customer per call, so calls
    overlap within the rate). What has come back is recorded in one transaction `RECORD_EVERY_SECONDS`
    after the last recording, on a thread of its own while the next calls go out (a transaction per
    Stripe call cost more than the call), and at once, before anything more is sent, when nothing else
    is with the app or a call failed. A crash resends at most the answers not yet committed, under the
    same idempotency keys. The journal stays open from the first answer to the last: it is this sync's
    alone, and another run that tries to open it learns at once that the sync is being delivered.
    """
    delivery = Delivery()
    pacer = Pacer(spec.requests_per_second)

    def send(batch: list[Change]) -> Answer:
        pacer.wait()
        return batch, adapter.send(batch)

    batches = iter([rows[start:start + spec.batch_size] for start in range(0, len(rows), spec.batch_size)])
    pending: set[Future] = set()
    answered: list[Answer] = []
    with _Recorder(spec, connect, delivery) as recorder, \
            ThreadPoolExecutor(spec.in_flight, f"{spec.name}-send") as pool:
        recorded_at = time.monotonic()
        while True:
            while len(pending) < spec.in_flight and (batch := next(batches, None)) is not None:
                pending.add(pool.submit(send, batch))
            if not pending:
                return delivery
            done, pending = wait(pending, timeout=RECORD_EVERY_SECONDS, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            answered += [future.result() for future in done if future.exception() is None]
            failed = [future.exception() for future in done if future.exception() is not None]
            if answered and (failed or not pending):
                recorder.record(answered, wait=True)
                answered, recorded_at = [], now
            elif answered and now - recorded_at >= RECORD_EVERY_SECONDS and recorder.idle():
                recorder.record(answered, wait=False)
                answered, recorded_at = [], now
            if failed:
                for future in pending:
                    future.cancel()
                raise failed[0]


class _Recorder:
    """Commits answers on one thread of its own, a transaction at a time, holding the journal between
    recordings. A failed recording stops the ones after it, and its error is raised in the delivering thread."""

    def __init__(self, spec: SyncSpec, connect: Callable[[], AbstractContextManager], delivery: Delivery) -> None:
        self.connect, self.delivery = connect, delivery
        self.thread = ThreadPoolExecutor(1, f"{spec.name}-record")
        self.file = ExitStack()
        self.conn = None
        self.last: Future | None = None
        self.error: BaseException | None = None

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, exc_type, *_) -> None:
        # What was handed over is committed (or has failed) before the delivery returns or raises.
        self.thread.submit(self._close)
        self.thread.shutdown(wait=True)
        if exc_type is None:
            self._raise_error()

    def idle(self) -> bool:
        """Whether the last recording is done."""
        self._raise_error()
        return self.last is None or self.last.done()

    def record(self, answered: list[Answer], *, wait: bool) -> None:
        """Hand these answers over for one transaction after any under way; with `wait`, until committed."""
        self._raise_error()
        self._submit(self._record, answered)
        if wait:
            self.last.result()
            self._raise_error()

    def _submit(self, work: Callable, *args) -> None:
        def run() -> None:
            if self.error is None:
                try:
                    work(*args)
                except BaseException as error:
                    self.error = error
        self.last = self.thread.submit(run)

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _close(self) -> None:
        self.file.close()
        self.conn = None

    def _record(self, answered: list[Answer]) -> None:
        """Commit what the app confirmed and refused in these batches, and count it."""
        delivery = self.delivery
        self.conn = self.conn or self.file.enter_context(self.connect())
        confirmed = [row.key for batch, sent in answered for row in batch if row.key not in sent.refused]
        refused = {key: error for _, sent in answered for key, error in sent.refused.items()}
        requests = sum(sent.requests for _, sent in answered)
        journal.record(self.conn, confirmed, refused, requests)
        delivery.requests += requests
        delivery.confirmed += len(confirmed)
        delivery.rejected += len(refused)
