"""One sync run in three steps, without Dagster: plan (warehouse), deliver (app and journal), record (warehouse).

Only plan and record open the warehouse; the delivery, which lasts as long as the app's pace makes it,
records the app's answers in the sync's journal (`journal.py`), so it holds neither the file nor its pool.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from ..warehouse import transaction
from . import journal, ledger
from .adapters.base import Adapter
from .deliver import Delivery, deliver
from .diff import diff_against_delivered, ensure_sync_tables, read_back
from .journal import SyncBusy
from .plan import BlastRadiusExceeded, Plan, guard_blast_radius, plan_sync
from .specs import SyncSpec

PREVIEW_ROWS = 25


@dataclass(frozen=True)
class RunIds:
    run_id: str
    root_run_id: str  # shared by a run and its retries


@dataclass
class Planned:
    """What the plan step decided, passed on to deliver and record; the rows themselves are in the journal."""

    journal: str
    plan_id: str
    dry_run: bool
    counts: dict[str, int]
    to_send: int = 0
    adopted: int = 0
    kept_human: int = 0
    missing: int = 0  # rows refused before sending (null fields)
    dead_lettered: int = 0
    readback_confirmed: int = 0
    readback_mismatched: int = 0
    conflicts: int = 0
    conflict_fields: list[str] = field(default_factory=list)
    preview: str = ""
    blast_radius: str = "ok"
    seconds: float = 0.0  # the plan step's own time


@dataclass
class Report:
    planned: Planned
    totals: journal.Totals
    dead_letters: list[tuple]
    api_calls: int = 0
    retries: int = 0
    duration_s: float = 0.0  # the three steps' own time, not the waits between them


def plan_delivery(spec: SyncSpec, connect: Callable[[], AbstractContextManager], journal_path: Path, run: RunIds,
                  in_progress: Callable[[str], bool], *, dry_run: bool = False,
                  allow_large_change: bool = False) -> Planned:
    """Record what an interrupted delivery left in the journal, diff, plan and guard; unless `dry_run`, put
    the rows to send in the journal. Refuses while another run family's plan there is still in progress."""
    started = time.monotonic()
    with connect() as conn, journal.attached(conn, journal_path):
        ensure_sync_tables(conn)
        previous = journal.current_plan(conn)
        if previous and previous.root_run_id != run.root_run_id and in_progress(previous.root_run_id):
            raise SyncBusy(f"sync {spec.name} is being delivered by run {previous.root_run_id} (or a retry "
                           f"of it); this run would send the same rows again. Run it once that run ended.")
        journal.record_in_warehouse(spec, conn)
        counts, changes = diff_against_delivered(conn, spec)
        plan = plan_sync(spec, changes, read_back(conn, spec))
        planned = _planned(journal_path, plan, counts, dry_run)
        delivered_rows = ledger.delivered_count(conn, spec)
        if dry_run:
            try:
                guard_blast_radius(spec, plan, delivered_rows)
            except BlastRadiusExceeded as exceeded:
                planned.blast_radius = str(exceeded)
            planned.seconds = time.monotonic() - started
            return planned
        if not allow_large_change:
            guard_blast_radius(spec, plan, delivered_rows)
        with transaction(conn):
            ledger.record_conflicts(conn, spec, plan.conflicts, run.run_id)
            # The app already holds the model's values (an agent or an unconfirmed earlier run set them).
            ledger.confirm(conn, spec, plan.adopted, run.run_id)
        # Rows refused before sending are recorded with the app's answers, by the record step.
        journal.start(conn, journal.PlanRow(planned.plan_id, run.run_id, run.root_run_id), plan.to_send,
                      plan.missing)
    planned.seconds = time.monotonic() - started
    return planned


def deliver_planned(spec: SyncSpec, planned: Planned, make_adapter: Callable[[], Adapter]) -> Delivery:
    """Send the plan's rows the app has not answered yet (all of them, unless this is a retry)."""
    if planned.dry_run:
        return Delivery()
    started = time.monotonic()
    path = Path(planned.journal)
    with journal.connect(path) as held:
        _same_plan(spec, held, planned)
        rows = journal.unanswered(held)
    adapter = make_adapter()
    delivery = deliver(spec, rows, adapter, lambda: journal.connect(path))
    delivery.api_calls, delivery.retries = adapter.stats.calls, adapter.stats.retries
    delivery.seconds = time.monotonic() - started
    return delivery


def record_delivery(spec: SyncSpec, connect: Callable[[], AbstractContextManager], planned: Planned,
                    delivery: Delivery) -> Report:
    """Record the app's answers in the warehouse's ledger, then empty the journal."""
    started = time.monotonic()
    totals = journal.Totals()
    with connect() as conn:
        if not planned.dry_run:
            with journal.attached(conn, Path(planned.journal)):
                _same_plan(spec, conn, planned)
                totals = journal.totals(conn)
                journal.record_in_warehouse(spec, conn)
                journal.clear(conn)
        dead = ledger.dead_letters(conn, spec)
    seconds = planned.seconds + delivery.seconds + time.monotonic() - started
    return Report(planned, totals, dead, delivery.api_calls, delivery.retries, round(seconds, 3))


def _same_plan(spec: SyncSpec, held, planned: Planned) -> None:
    current = journal.current_plan(held)
    if current is None or current.plan_id != planned.plan_id:
        owner = f"run {current.run_id}" if current else "a later run, which already recorded it"
        raise SyncBusy(f"sync {spec.name}: this run's plan {planned.plan_id} was taken over by {owner}; "
                       f"nothing of it is sent twice. Materialize the sync again if that run did not finish.")


def _planned(journal_path: Path, plan: Plan, counts: dict[str, int], dry_run: bool) -> Planned:
    return Planned(
        journal=str(journal_path), plan_id=uuid.uuid4().hex, dry_run=dry_run, counts=counts,
        to_send=len(plan.to_send), adopted=len(plan.adopted), kept_human=len(plan.kept_human),
        missing=len(plan.missing), dead_lettered=len(plan.dead_lettered),
        readback_confirmed=plan.readback_confirmed, readback_mismatched=plan.readback_mismatched,
        conflicts=len(plan.conflicts), conflict_fields=sorted({c.field for c in plan.conflicts}),
        preview=preview_table(plan),
    )


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
