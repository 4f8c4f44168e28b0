"""Land pages of records in DuckDB: typed upsert, quarantine and the stream's cursor in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from ..warehouse import quote
from .records import MalformedRecord, to_row
from .specs import StreamSpec

# Bookkeeping columns after the typed ones: the snapshot's version, the record as received, and when.
LOOP_COLUMNS = (("_loop_version", "bigint"), ("_loop_raw", "json"), ("_loop_extracted_at", "timestamptz"))
PANDAS_DTYPES = {"bigint": "Int64", "boolean": "boolean"}
# Past this many chunked UPDATEs, one reading the whole table is cheaper (an incremental API export).
MAX_LOOKUP_UPDATES = 10


@dataclass
class Page:
    """One unit of landing: records as received, where they came from, and the cursor after them."""

    source: str
    records: list[Any]            # parsed records, or MalformedRecord for ones that could not be parsed
    state: dict                   # where the stream resumes once this page is landed
    versions: list[int] | None = None  # per-record snapshot order; default: the spec's version column


@dataclass
class CheckedPage:
    """A page typed and checked, ready to land: the rows that land (the spec's columns, version and raw
    text), (source, position, key, reason, raw) for quarantine, and the cursor after the page."""

    frame: pd.DataFrame
    rejects: list[tuple]
    state: dict

    def __len__(self) -> int:
        return len(self.frame) + len(self.rejects)


@dataclass
class Counts:
    pages: int = 0
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def table_name(spec: StreamSpec) -> str:
    return f"raw.{quote(spec.key)}"


def ensure_table(conn, spec: StreamSpec) -> None:
    columns = [f"{quote(c.name)} {c.sql_type}" for c in spec.columns]
    columns += [f"{quote(name)} {sql_type}" for name, sql_type in LOOP_COLUMNS]
    conn.execute(
        f"create table if not exists {table_name(spec)} ({', '.join(columns)}, "
        f"primary key ({quote(spec.primary_key)}))"
    )


def read_state(conn, stream: str) -> dict | None:
    row = conn.execute("select state from loop.extract_state where stream = ?", [stream]).fetchone()
    return json.loads(row[0]) if row else None


def _write_state(conn, stream: str, state: dict, now: datetime) -> None:
    conn.execute(
        "insert into loop.extract_state values (?, ?, ?) on conflict (stream) do update "
        "set state = excluded.state, updated_at = excluded.updated_at",
        [stream, json.dumps(state, sort_keys=True), now],
    )


def _version_of(spec: StreamSpec, row: tuple) -> int:
    index = [c.name for c in spec.columns].index(spec.version)
    return int(row[index].timestamp())


def checked_pages(spec: StreamSpec, pages: Iterator[Page]) -> Iterator[CheckedPage]:
    """Type every record of every page against the spec; a record that does not fit becomes a reject."""
    for page in pages:
        rows, rejects = [], []
        for i, record in enumerate(page.records):
            arrived = record.raw if isinstance(record, MalformedRecord) else record
            raw = json.dumps(arrived, separators=(",", ":"), sort_keys=True)
            try:
                if isinstance(record, MalformedRecord):
                    raise record
                row = to_row(spec.columns, record)
                version = page.versions[i] if page.versions else _version_of(spec, row)
            except MalformedRecord as exc:
                key = record.get(spec.columns[0].path or spec.primary_key) if isinstance(record, dict) else None
                rejects.append((page.source, f"item {i}", None if key is None else str(key), str(exc), raw))
                continue
            rows.append((*row, version, raw))
        yield CheckedPage(typed_frame(spec, rows), rejects, page.state)


def typed_frame(spec: StreamSpec, rows: list[tuple]) -> pd.DataFrame:
    """Rows of (the spec's typed values..., version, raw) as a frame with the warehouse's types."""
    names = [c.name for c in spec.columns] + ["_loop_version", "_loop_raw"]
    types = [c.sql_type for c in spec.columns] + ["bigint", "json"]
    columns = list(zip(*rows)) if rows else [()] * len(names)
    frame = {}
    for name, sql_type, values in zip(names, types, columns):
        if sql_type == "timestamptz":
            frame[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        else:
            frame[name] = pd.Series(values, dtype=PANDAS_DTYPES.get(sql_type, object))
    return pd.DataFrame(frame)


def _landing_frame(pages: list[CheckedPage], now: datetime) -> pd.DataFrame:
    frames = [page.frame for page in pages if len(page.frame)]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    frame["_loop_extracted_at"] = pd.Series([now] * len(frame), dtype="datetime64[us, UTC]")
    frame["_loop_arrival"] = pd.RangeIndex(len(frame))  # within a group, a later page wins a tie of versions
    return frame


def _merge(conn, spec: StreamSpec, frame: pd.DataFrame) -> tuple[int, int]:
    """Upsert by primary key; an older snapshot never overwrites a newer one. Returns (inserted, updated).

    New keys are inserted. Rows whose key the table holds are applied by an UPDATE if newer and different:
    10k known keys into 120k Stripe customers took 0.07 s and a 0.13 s commit, against 0.65 s and 0.32 s as
    one MERGE. The UPDATE's join reads the whole table unless it holds at most
    DuckDB's `dynamic_or_filter_threshold` keys (50), which it then looks up in the primary key index: at
    10M Segment rows, 0.06 s against 2.5 s for a group of 10k lines, or 7 s when 500 of them are retried
    deliveries. So a group with few known keys updates them in such chunks.
    """
    names = [c.name for c in spec.columns] + [name for name, _ in LOOP_COLUMNS]
    types = [c.sql_type for c in spec.columns] + [sql_type for _, sql_type in LOOP_COLUMNS]
    select = ", ".join(f"cast({quote(n)} as {t}) as {quote(n)}" for n, t in zip(names, types))
    table, key, key_type = table_name(spec), quote(spec.primary_key), dict(zip(names, types))[spec.primary_key]
    conn.register("loop_page", frame)
    try:
        # The newest snapshot of each key within the group wins.
        conn.execute(
            f"create or replace temp table loop_group as select {select} from loop_page "
            f"qualify row_number() over (partition by {key} order by _loop_version desc, _loop_arrival desc) = 1")
    finally:
        conn.unregister("loop_page")
    known = [k for (k,) in conn.execute(
        f"select g.{key} from loop_group g semi join {table} t on g.{key} = t.{key}").fetchall()]
    (inserted,) = conn.execute(
        f"insert into {table} by name (select * from loop_group "
        f"where {key} not in (select unnest(?::{key_type}[])))", [known]).fetchone()
    chunk = int(conn.execute("select current_setting('dynamic_or_filter_threshold')").fetchone()[0])
    updates = ", ".join(f"{quote(n)} = g.{quote(n)}" for n in names if n != spec.primary_key)

    def update(rows: str) -> str:
        return (f"update {table} as t set {updates} from {rows} as g where t.{key} = g.{key} "
                "and g._loop_version >= t._loop_version and g._loop_raw::varchar <> t._loop_raw::varchar")

    if len(known) > chunk * MAX_LOOKUP_UPDATES:
        (updated,) = conn.execute(update("loop_group")).fetchone()
    else:
        rows = f"(select * from loop_group where {key} in (select unnest(?::{key_type}[])))"
        updated = sum(conn.execute(update(rows), [known[start:start + chunk]]).fetchone()[0]
                      for start in range(0, len(known), chunk))
    # On an error the transaction's rollback drops it.
    conn.execute("drop table loop_group")
    return inserted, updated


def _quarantine(conn, spec: StreamSpec, bad: list[tuple], now: datetime, run_id: str) -> None:
    conn.executemany(
        "insert into loop.quarantine values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "on conflict (stream, record_hash) do update set last_seen_at = excluded.last_seen_at, "
        "source = excluded.source, position = excluded.position, run_id = excluded.run_id",
        [(spec.key, hashlib.md5(raw.encode()).hexdigest(), source, position, key, reason, raw, now, now, run_id)
         for source, position, key, reason, raw in bad],
    )


def land_pages(conn, spec: StreamSpec, pages: list[CheckedPage], counts: Counts, *, stream: str,
               run_id: str) -> None:
    """Write the pages' rows, their rejects and the stream's cursor after the last one atomically."""
    landing = sum(len(page.frame) for page in pages)
    rejects = [reject for page in pages for reject in page.rejects]
    now = datetime.now(timezone.utc)
    conn.execute("begin transaction")
    try:
        if landing:
            inserted, updated = _merge(conn, spec, _landing_frame(pages, now))
            counts.inserted += inserted
            counts.updated += updated
            counts.unchanged += landing - inserted - updated
        if rejects:
            _quarantine(conn, spec, rejects, now, run_id)
        _write_state(conn, stream, pages[-1].state, now)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    counts.pages += len(pages)
    counts.fetched += landing + len(rejects)
    counts.quarantined += len(rejects)
    for *_, reason, _ in rejects:
        counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
