"""A sync's delivery journal: the rows a plan sends and the app's answers, in a DuckDB file of its own.

The step that talks to the app records only here, so it needs neither the warehouse file nor its pool;
a short step in the pool then attaches the journal to the warehouse and records the answers in the ledger
in one set-based transaction (`record_in_warehouse`). Every statement names the journal's tables
`journal.*`, so the same SQL runs on its own connection and attached to the warehouse's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from ..warehouse import transaction
from .diff import Change, change_from_row
from .specs import SyncSpec

SQL = Path(__file__).parent
ERROR_SAMPLE = 5
# Its own connection holds a few batches' answers at a time.
MEMORY_LIMIT = "256MB"


class SyncBusy(Exception):
    """Another run is delivering this sync: a second plan would send the same rows again."""


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


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The journal on a connection of its own (the deliver step's)."""
    conn = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        with attached(conn, path):
            yield conn
    finally:
        conn.close()


@contextmanager
def attached(conn, path: Path) -> Iterator[None]:
    """The journal attached to `conn` as `journal`, created if new. DuckDB lets one process hold the file:
    while another one delivers the sync, this fails at once, naming it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn.execute(f"attach '{_literal(path)}' as journal")
    except duckdb.Error as held:
        if "lock" not in str(held) and "already attached" not in str(held):
            raise
        raise SyncBusy(f"the sync journal {path} is held by another run of this sync ({held}). Run the sync "
                       f"again once that run ended.") from None
    try:
        conn.execute((SQL / "journal.sql").read_text())
        yield
    finally:
        conn.execute("detach journal")


def current_plan(conn) -> PlanRow | None:
    row = conn.execute("select plan_id, run_id, root_run_id from journal.plan").fetchone()
    return PlanRow(*row) if row else None


def start(conn, plan: PlanRow, rows: list[Change], refused: list[tuple[Change, str]]) -> None:
    """Replace whatever the journal held with `plan`, the rows it sends and those it refused before sending
    (with their answer: the reason), in one transaction."""
    outbox = rows + [row for row, _ in refused]
    with transaction(conn):
        clear(conn)
        conn.execute("insert into journal.plan values (?, ?, ?, ?, 0)",
                     [plan.plan_id, plan.run_id, plan.root_run_id, _now()])
        if outbox:
            conn.execute(
                "insert into journal.outbox select unnest(?::varchar[]), unnest(?::varchar[]), "
                "unnest(?::varchar[])::json, unnest(?::varchar[]), unnest(?::varchar[])::json, unnest(?::integer[])",
                [[r.key for r in outbox], [r.change for r in outbox], [_json(r.payload) for r in outbox],
                 [r.payload_hash for r in outbox], [_json(r.delivered) for r in outbox], [r.attempts for r in outbox]],
            )
        _answer(conn, [], {row.key: reason for row, reason in refused})


def clear(conn) -> None:
    conn.execute("delete from journal.answers; delete from journal.outbox; delete from journal.plan")


def unanswered(conn) -> list[Change]:
    """The plan's rows the app has neither confirmed nor refused yet, by key: what a (re)started delivery sends."""
    rows = conn.execute(
        "select key, change, payload, payload_hash, delivered, attempts, false from journal.outbox "
        "anti join journal.answers using (key) order by key").fetchall()
    return [change_from_row(row) for row in rows]


def record(conn, confirmed: list[str], refused: dict[str, str], requests: int) -> None:
    """One transaction: the app's answers to some batches and the write requests they took."""
    with transaction(conn):
        _answer(conn, confirmed, refused)
        conn.execute("update journal.plan set requests = requests + ?", [requests])


def _answer(conn, confirmed: list[str], refused: dict[str, str]) -> None:
    keys = confirmed + list(refused)
    if keys:
        conn.execute("insert into journal.answers (key, error, answered_at) select unnest(?::varchar[]), "
                     "unnest(?::varchar[]), ?", [keys, [None] * len(confirmed) + list(refused.values()), _now()])


def totals(conn) -> Totals:
    requests = conn.execute("select coalesce(sum(requests), 0) from journal.plan").fetchone()[0]
    confirmed, rejected = conn.execute(
        "select count(*) filter (where error is null), count(*) filter (where error is not null) from journal.answers"
    ).fetchone()
    errors = dict(conn.execute("select key, error from journal.answers where error is not null order by id limit ?",
                               [ERROR_SAMPLE]).fetchall())
    return Totals(requests, confirmed, rejected, errors)


def record_in_warehouse(spec: SyncSpec, conn) -> None:
    """Record in the warehouse's ledger the journal's answers it does not have yet, with how far it got, in
    one transaction: a recording cut short and run again adds nothing twice. `conn` is the warehouse's,
    with the journal attached."""
    plan = current_plan(conn)
    if plan is None:
        return
    with transaction(conn):
        conn.execute(
            "create or replace temp table recorded as "
            "select $sync as sync, $plan_id as plan_id, $run_id as run_id, $at::timestamptz as recorded_at, "
            "$max_attempts::integer as max_attempts, $paths::varchar[] as paths, a.id, o.key, o.change, "
            "o.payload, o.payload_hash, o.delivered, o.attempts, a.error "
            "from journal.answers as a join journal.outbox as o using (key) where a.id > coalesce("
            "(select answer_id from loop.sync_journal where sync = $sync and plan_id = $plan_id), 0)",
            {"sync": spec.name, "plan_id": plan.plan_id, "run_id": plan.run_id, "at": _now(),
             "max_attempts": spec.max_attempts, "paths": [path for _, path in spec.fields]},
        )
        conn.execute((SQL / "record.sql").read_text())
        conn.execute("drop table recorded")


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


def _now() -> datetime:
    return datetime.now(timezone.utc)
