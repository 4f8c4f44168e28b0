"""Send a plan's rows in batches at the app's pace, committing each batch's confirmations as they come."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

from . import ledger
from .adapters.base import Adapter
from .diff import Change
from .specs import SyncSpec

SLOW_ANSWER_SECONDS = 1.0  # an app slower than this gets the warehouse file closed while it works


@dataclass
class Delivery:
    requests: int = 0
    confirmed: int = 0
    rejected: int = 0
    dead_lettered: int = 0
    errors: dict[str, str] | None = None


def deliver(spec: SyncSpec, rows: list[Change], adapter: Adapter,
            connect: Callable[[], AbstractContextManager], run_id: str) -> Delivery:
    """At-least-once: a batch is recorded only once the app confirmed it, so a crash resends just the rest.

    The warehouse stays open while the app answers quickly (opening and closing the file costs more than
    one Stripe call) and is let go after a slow answer, so a long Zendesk job does not keep others out.
    """
    delivery = Delivery(errors={})
    spacing = 1.0 / spec.requests_per_second
    last_sent = 0.0
    with ExitStack() as warehouse:
        conn = None
        for start in range(0, len(rows), spec.batch_size):
            batch = rows[start:start + spec.batch_size]
            time.sleep(max(0.0, last_sent + spacing - time.monotonic()))
            last_sent = time.monotonic()
            sent = adapter.send(batch)
            confirmed = [row for row in batch if row.key not in sent.refused]
            rejected = [(row, sent.refused[row.key]) for row in batch if row.key in sent.refused]
            conn = conn or warehouse.enter_context(connect())
            conn.begin()
            ledger.confirm(conn, spec, confirmed, run_id)
            delivery.dead_lettered += ledger.reject(conn, spec, rejected, run_id)
            conn.commit()
            if time.monotonic() - last_sent > SLOW_ANSWER_SECONDS:
                warehouse.close()
                conn = None
            delivery.requests += sent.requests
            delivery.confirmed += len(confirmed)
            delivery.rejected += len(rejected)
            delivery.errors.update(sent.refused)
    return delivery
