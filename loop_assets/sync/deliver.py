"""Send a plan's rows in batches at the app's pace, committing confirmations as they come."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

from . import ledger
from .adapters.base import Adapter, Sent
from .diff import Change
from .specs import SyncSpec

SLOW_ANSWER_SECONDS = 1.0  # an app silent this long gets the warehouse file closed while it works
RECORD_EVERY_SECONDS = 0.25  # answers wait at most about this long to be recorded, many calls in one transaction


@dataclass
class Delivery:
    requests: int = 0
    confirmed: int = 0
    rejected: int = 0
    dead_lettered: int = 0
    errors: dict[str, str] | None = None


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
            connect: Callable[[], AbstractContextManager], run_id: str) -> Delivery:
    """At-least-once: a batch is recorded only once the app confirmed it, so a crash resends just the rest.

    Up to `spec.in_flight` batches are with the app at once (Stripe takes one customer per call, so calls
    overlap within the rate). What has come back is recorded in one transaction once nothing else is with
    the app, or `RECORD_EVERY_SECONDS` after the last recording: a transaction per Stripe call cost more
    than the call. A crash resends at most that interval's answers, under the same idempotency keys. The
    warehouse stays open while the app answers quickly (opening the file costs more than a Stripe call)
    and is let go once the app has been silent for `SLOW_ANSWER_SECONDS`, so a long Zendesk job does not
    keep others out.
    """
    delivery = Delivery(errors={})
    pacer = Pacer(spec.requests_per_second)

    def send(batch: list[Change]) -> tuple[list[Change], Sent]:
        pacer.wait()
        return batch, adapter.send(batch)

    batches = iter([rows[start:start + spec.batch_size] for start in range(0, len(rows), spec.batch_size)])
    pending: set[Future] = set()
    answered: list[tuple[list[Change], Sent]] = []
    with ExitStack() as warehouse, ThreadPoolExecutor(spec.in_flight, f"{spec.name}-send") as pool:
        conn = None
        recorded_at = last_answer_at = time.monotonic()
        while True:
            while len(pending) < spec.in_flight and (batch := next(batches, None)) is not None:
                pending.add(pool.submit(send, batch))
            if not pending:
                return delivery
            done, pending = wait(pending, timeout=RECORD_EVERY_SECONDS, return_when=FIRST_COMPLETED)
            now = time.monotonic()
            answered += [future.result() for future in done if future.exception() is None]
            failed = [future.exception() for future in done if future.exception() is not None]
            if answered and (failed or not pending or now - recorded_at >= RECORD_EVERY_SECONDS):
                conn = conn or warehouse.enter_context(connect())
                _record(conn, spec, answered, delivery, run_id)
                answered, recorded_at = [], now
            if failed:
                for future in pending:
                    future.cancel()
                raise failed[0]
            last_answer_at = now if done else last_answer_at
            if conn is not None and now - last_answer_at > SLOW_ANSWER_SECONDS:
                warehouse.close()
                conn = None


def _record(conn, spec: SyncSpec, answered: list[tuple[list[Change], Sent]], delivery: Delivery,
            run_id: str) -> None:
    """Commit what the app confirmed and refused in these batches, and count it."""
    confirmed = [row for batch, sent in answered for row in batch if row.key not in sent.refused]
    rejected = [(row, sent.refused[row.key]) for batch, sent in answered for row in batch if row.key in sent.refused]
    conn.begin()
    ledger.confirm(conn, spec, confirmed, run_id)
    delivery.dead_lettered += ledger.reject(conn, spec, rejected, run_id)
    conn.commit()
    delivery.requests += sum(sent.requests for _, sent in answered)
    delivery.confirmed += len(confirmed)
    delivery.rejected += len(rejected)
    for _, sent in answered:
        delivery.errors.update(sent.refused)
