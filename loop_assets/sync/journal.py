"""A sync's delivery journal: the rows a plan sends and the app's answers, in a DuckDB file of its own.

The step that talks to the app records only here, so it needs neither the warehouse file nor its pool;
a short step in the pool then records the answers in the warehouse's ledger (`record_in_warehouse`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from . import ledger
from .diff import Change, change_from_row
from .specs import SyncSpec

JOURNAL_SQL = Path(__file__).parent / "journal.sql"
ERROR_SAMPLE = 5


@dataclass(frozen=True)
class PlanRow:
    plan_id: str
    run_id: str
    root_run_id: str


@dataclass
class Totals:
    """What the app answered to a plan so far."""

    requests: int = 0
    confirmed: int = 0
    rejected: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # a few refused keys with the app's error


def journal_path(warehouse: str, spec: SyncSpec) -> Path:
    """`<warehouse>.journals/<sync>.duckdb`, beside the warehouse file: tests and copies keep their own."""
    database = Path(warehouse)
    return database.with_name(f"{database.name}.journals") / f"{spec.name}.duckdb"


class SyncBusy(Exception):
    """Another run is delivering this sync: a second plan would send the same rows again."""


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The journal, created if new. DuckDB lets one process hold it: a second one fails at once, naming the first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = duckdb.connect(str(path))
    except duckdb.IOException as held:
        if "lock" not in str(held):
            raise
        raise SyncBusy(f"the sync journal {path} is held by another process, which is delivering this sync "
                       f"({held}). Run the sync again once that delivery ended.") from None
    try:
        conn.execute(JOURNAL_SQL.read_text())
        yield conn
    finally:
        conn.close()


def current_plan(conn) -> PlanRow | None:
    row = conn.execute("select plan_id, run_id, root_run_id from plan").fetchone()
    return PlanRow(*row) if row else None


def start(conn, plan: PlanRow, rows: list[Change]) -> None:
    """Replace whatever the journal held with `plan` and the rows it sends, in one transaction."""
    conn.begin()
    clear(conn)
    conn.execute("insert into plan values (?, ?, ?, ?, 0)", [plan.plan_id, plan.run_id, plan.root_run_id, _now()])
    if rows:
        conn.execute(
            "insert into outbox select unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[])::json, "
            "unnest(?::varchar[]), unnest(?::varchar[])::json, unnest(?::integer[])",
            [[r.key for r in rows], [r.change for r in rows], [_json(r.payload) for r in rows],
             [r.payload_hash for r in rows], [_json(r.delivered) for r in rows], [r.attempts for r in rows]],
        )
    conn.commit()


def clear(conn) -> None:
    conn.execute("delete from answers; delete from outbox; delete from plan")


def unanswered(conn) -> list[Change]:
    """The plan's rows the app has neither confirmed nor refused yet, by key: what a (re)started delivery sends."""
    rows = conn.execute(
        "select key, change, payload, payload_hash, delivered, attempts, false from outbox "
        "anti join answers using (key) order by key").fetchall()
    return [change_from_row(row) for row in rows]


def record(conn, confirmed: list[str], refused: dict[str, str], requests: int) -> None:
    """One transaction: the app's answers to some batches and the write requests they took."""
    at = _now()
    conn.begin()
    keys = confirmed + list(refused)
    if keys:
        conn.execute("insert into answers (key, error, answered_at) select unnest(?::varchar[]), "
                     "unnest(?::varchar[]), ?", [keys, [None] * len(confirmed) + list(refused.values()), at])
    conn.execute("update plan set requests = requests + ?", [requests])
    conn.commit()


def totals(conn) -> Totals:
    requests = conn.execute("select coalesce(sum(requests), 0) from plan").fetchone()[0]
    confirmed, rejected = conn.execute(
        "select count(*) filter (where error is null), count(*) filter (where error is not null) from answers"
    ).fetchone()
    errors = dict(conn.execute("select key, error from answers where error is not null order by id limit ?",
                               [ERROR_SAMPLE]).fetchall())
    return Totals(requests, confirmed, rejected, errors)


def record_in_warehouse(spec: SyncSpec, warehouse, conn) -> None:
    """Record in the warehouse's ledger the answers it does not have yet, with how far it got, in one transaction."""
    plan = current_plan(conn)
    if plan is None:
        return
    mark = warehouse.execute("select answer_id from loop.sync_journal where sync = ? and plan_id = ?",
                             [spec.name, plan.plan_id]).fetchone()
    rows = conn.execute(
        "select a.id, o.key, o.change, o.payload, o.payload_hash, o.delivered, o.attempts, false, a.error "
        "from answers a join outbox o using (key) where a.id > ? order by a.id", [mark[0] if mark else 0]
    ).fetchall()
    if not rows:
        return
    confirmed = [change_from_row(row[1:-1]) for row in rows if row[-1] is None]
    refused = [(change_from_row(row[1:-1]), row[-1]) for row in rows if row[-1] is not None]
    warehouse.begin()
    ledger.confirm(warehouse, spec, confirmed, plan.run_id)
    ledger.reject(warehouse, spec, refused, plan.run_id)
    warehouse.execute("insert or replace into loop.sync_journal values (?, ?, ?)",
                      [spec.name, plan.plan_id, rows[-1][0]])
    warehouse.commit()


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


def _now() -> datetime:
    return datetime.now(timezone.utc)
