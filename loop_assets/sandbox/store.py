"""The sandbox apps' state: one SQLite file shared by the server, the generator and `activity`.

SQLite (WAL mode) lets several processes read and write the same state, and keeps every write the
loop pushes across server restarts. Each API object is stored as the JSON body the API returns.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
create table if not exists objects (
    app text not null,          -- stripe | zendesk | segment
    kind text not null,         -- customer, charge, ticket, user, organization, event, profile, ...
    id text not null,
    created integer not null,   -- unix seconds
    updated integer not null,   -- unix seconds of the last change
    seq integer not null,       -- global change counter: orders changes made within one second
    body text not null,         -- the JSON object exactly as the API returns it
    primary key (app, kind, id)
);
create index if not exists objects_by_created on objects (app, kind, created desc, id desc);
create index if not exists objects_by_updated on objects (app, kind, updated, seq);
create table if not exists counters (name text primary key, value integer not null);
create table if not exists idempotency (
    app text not null, key text not null, request_hash text not null,
    status integer not null, body text not null, created integer not null,
    primary key (app, key)
);
create table if not exists jobs (
    id text primary key, kind text not null, created real not null, status text not null,
    payload text not null, results text
);
-- The job worker looks for unfinished jobs every 50 ms; finished ones pile up (a large sync leaves 1,000+).
create index if not exists jobs_unfinished on jobs (status) where status in ('queued', 'working');
create table if not exists meta (key text primary key, value text not null);
"""


class Store:
    """A connection to the sandbox state file; one per thread or process."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=normal")
        self.db.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.db.execute("begin immediate")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.db.execute("rollback")
            raise
        else:
            self.db.execute("commit")
        finally:
            self._depth = 0

    def next_value(self, name: str, start: int = 1) -> int:
        """The next value of a named counter (ids, change sequence)."""
        with self.transaction():
            row = self.db.execute(
                "insert into counters values (?, ?) on conflict (name) do update set value = value + 1 "
                "returning value",
                (name, start),
            ).fetchone()
        return row[0]

    def reserve_values(self, name: str, count: int, start: int = 1) -> int:
        """The first of `count` consecutive values of a named counter, taken at once for bulk writes."""
        with self.transaction():
            last = self.db.execute(
                "insert into counters values (?, ?) on conflict (name) do update set value = value + ? "
                "returning value",
                (name, start + count - 1, count),
            ).fetchone()[0]
        return last - count + 1

    def put_many(self, app: str, kind: str, rows: list[tuple[dict, int, int]]) -> None:
        """Insert or replace many `(object, created, updated)` rows in one transaction: the generator's fast path."""
        if not rows:
            return
        with self.transaction():
            first_seq = self.reserve_values("seq", len(rows))
            self.db.executemany(
                "insert into objects values (?, ?, ?, ?, ?, ?, ?) on conflict (app, kind, id) do update "
                "set created = excluded.created, updated = excluded.updated, seq = excluded.seq, "
                "body = excluded.body",
                [(app, kind, str(obj["id"]), created, updated, first_seq + offset,
                  json.dumps(obj, separators=(",", ":")))
                 for offset, (obj, created, updated) in enumerate(rows)],
            )

    def put(self, app: str, kind: str, obj: dict, *, created: int, updated: int | None = None,
            seq: int | None = None) -> dict:
        """Insert or replace one object; its change sequence moves forward (to `seq`, taken by the caller
        from next_value, when the object's id carries it)."""
        with self.transaction():
            seq = self.next_value("seq") if seq is None else seq
            self.db.execute(
                "insert into objects values (?, ?, ?, ?, ?, ?, ?) on conflict (app, kind, id) do update "
                "set created = excluded.created, updated = excluded.updated, seq = excluded.seq, "
                "body = excluded.body",
                (app, kind, str(obj["id"]), created, updated if updated is not None else created, seq,
                 json.dumps(obj, separators=(",", ":"))),
            )
        return obj

    def get(self, app: str, kind: str, obj_id: str | int) -> dict | None:
        row = self.db.execute(
            "select body from objects where app = ? and kind = ? and id = ?", (app, kind, str(obj_id))
        ).fetchone()
        return json.loads(row[0]) if row else None

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def count(self, app: str, kind: str) -> int:
        return self.db.execute(
            "select count(*) from objects where app = ? and kind = ?", (app, kind)
        ).fetchone()[0]

    def all(self, app: str, kind: str) -> Iterator[dict]:
        for row in self.db.execute(
            "select body from objects where app = ? and kind = ? order by seq", (app, kind)
        ):
            yield json.loads(row[0])

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "insert into meta values (?, ?) on conflict (key) do update set value = excluded.value",
            (key, value),
        )


def now() -> int:
    """The sandbox clock: real time, so that sensors and incremental cursors see real progress."""
    return int(time.time())


def open_store(state_dir: Path) -> Store:
    """The store inside a sandbox state directory: the server, the generator and the CLI share this file."""
    return Store(Path(state_dir) / "state.sqlite3")
