"""One sync run, without Dagster: diff, plan, guard, deliver, and the report that becomes metadata and checks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from . import ledger
from .adapters.base import Adapter
from .deliver import Delivery, deliver
from .diff import diff_against_delivered, ensure_sync_tables, read_back
from .plan import Plan, guard_blast_radius, plan_sync
from .specs import SyncSpec

PREVIEW_ROWS = 25


@dataclass
class Report:
    counts: dict[str, int]
    plan: Plan
    delivery: Delivery = field(default_factory=Delivery)
    dead_letters: list[tuple] = field(default_factory=list)
    api_calls: int = 0
    retries: int = 0
    duration_s: float = 0.0
    blast_radius: str = "ok"


def run_sync(spec: SyncSpec, connect: Callable[[], AbstractContextManager], make_adapter: Callable[[], Adapter],
             run_id: str, *, dry_run: bool = False, allow_large_change: bool = False) -> Report:
    """Push what changed in `spec.model` since the last confirmed delivery; with `dry_run`, only report it."""
    started = time.monotonic()
    with connect() as conn:
        ensure_sync_tables(conn)
        counts, changes = diff_against_delivered(conn, spec)
        readbacks = read_back(conn, spec)
        delivered_rows = ledger.delivered_count(conn, spec)
        dead = ledger.dead_letters(conn, spec)
    report = Report(counts, plan_sync(spec, changes, readbacks), dead_letters=dead)
    if dry_run:
        try:
            guard_blast_radius(spec, report.plan, delivered_rows)
        except Exception as exceeded:
            report.blast_radius = str(exceeded)
        report.duration_s = round(time.monotonic() - started, 3)
        return report
    if not allow_large_change:
        guard_blast_radius(spec, report.plan, delivered_rows)
    adapter = make_adapter()
    with connect() as conn:
        conn.begin()
        ledger.record_conflicts(conn, spec, report.plan.conflicts, run_id)
        # The app already holds the model's values (an agent or an unconfirmed earlier run set them).
        ledger.confirm(conn, spec, report.plan.adopted, run_id, audit=False)
        report.delivery.dead_lettered += ledger.reject(conn, spec, report.plan.missing, run_id)
        conn.commit()
    delivery = deliver(spec, report.plan.to_send, adapter, connect, run_id)
    delivery.dead_lettered += report.delivery.dead_lettered
    report.delivery = delivery
    with connect() as conn:
        report.dead_letters = ledger.dead_letters(conn, spec)
    report.api_calls, report.retries = adapter.stats.calls, adapter.stats.retries
    report.duration_s = round(time.monotonic() - started, 3)
    return report


def preview_table(plan: Plan) -> str:
    """A markdown table of the first changes to send: key, kind of change, field, from, to."""
    lines = ["| key | change | field | from | to |", "| --- | --- | --- | --- | --- |"]
    for row in plan.to_send[:PREVIEW_ROWS]:
        old, new = row.delivered or {}, row.payload or {}
        for path in sorted(set(old) | set(new)):
            if row.change == "added" or old.get(path) != new.get(path):
                lines.append(f"| {row.key} | {row.change} | {path} | {_cell(old.get(path))} | {_cell(new.get(path))} |")
    if len(plan.to_send) > PREVIEW_ROWS:
        lines.append(f"| ... | {len(plan.to_send) - PREVIEW_ROWS} more rows | | | |")
    return "\n".join(lines)


def _cell(value) -> str:
    return "" if value is None else json.dumps(value).replace("|", "\\|")
