"""Write a sync's plan outcomes to its state tables: rows the app already holds, conflicts; and read them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from .diff import Change
from .plan import Conflict
from .specs import SyncSpec


def _now() -> datetime:
    return datetime.now(timezone.utc)


def confirm(conn, spec: SyncSpec, rows: list[Change], run_id: str) -> None:
    """Record rows the app already holds (adopted by the plan) as delivered, and clear their failures.
    What the loop itself delivered is recorded from the journal (record.sql), with its audit.

    Set-based: one statement per table for the whole batch (column lists unnested), not one per row.
    Delivered rows are replaced in place, not deleted and inserted again: a delete from a primary-keyed
    table of a million rows costs its commit about 130 ms, the upsert's commit 2 ms.
    """
    if not rows:
        return
    at = _now()
    keys = [row.key for row in rows]
    _delete(conn, "sync_failures", spec, keys)
    _delete(conn, "sync_dead_letters", spec, keys)
    conn.execute(
        "insert or replace into loop.sync_delivered select ?, unnest(?::varchar[]), "
        "unnest(?::varchar[])::json, unnest(?::varchar[]), ?, ?",
        [spec.name, keys, [json.dumps(r.payload) for r in rows], [r.payload_hash for r in rows], at, run_id],
    )


def _delete(conn, table: str, spec: SyncSpec, keys: list[str]) -> None:
    conn.execute(f"delete from loop.{table} where sync = ? and list_contains(?::varchar[], key)", [spec.name, keys])


def record_conflicts(conn, spec: SyncSpec, conflicts: list[Conflict], run_id: str) -> None:
    """Keep each agent override once per (row, field), refreshed while it lasts; one statement for all."""
    if not conflicts:
        return
    at = _now()
    conn.execute(
        "insert into loop.sync_conflicts select ?, unnest(?::varchar[]), unnest(?::varchar[]), "
        "unnest(?::varchar[])::json, unnest(?::varchar[])::json, unnest(?::varchar[])::json, ?, ?, ?, ? "
        "on conflict (sync, key, field) do update set pushed_value = excluded.pushed_value, "
        "app_value = excluded.app_value, model_value = excluded.model_value, policy = excluded.policy, "
        "last_seen_at = excluded.last_seen_at, run_id = excluded.run_id",
        [spec.name, [c.key for c in conflicts], [c.field for c in conflicts],
         [json.dumps(c.pushed) for c in conflicts], [json.dumps(c.app) for c in conflicts],
         [json.dumps(c.model) for c in conflicts], spec.on_conflict, at, at, run_id],
    )


def dead_letters(conn, spec: SyncSpec) -> list[tuple]:
    """(key, attempts, error) of every payload set aside for this sync."""
    return conn.execute("select key, attempts, error from loop.sync_dead_letters where sync = ? order by key",
                        [spec.name]).fetchall()


def delivered_count(conn, spec: SyncSpec) -> int:
    """Rows the app has confirmed for this sync: the blast-radius guard's denominator."""
    return conn.execute("select count(*) from loop.sync_delivered where sync = ?", [spec.name]).fetchone()[0]
