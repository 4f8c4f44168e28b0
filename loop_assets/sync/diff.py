"""The change set of a sync, computed in DuckDB: the outbound model against what was last confirmed delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..transform.catalog import existing_kind
from ..transform.relation import Relation
from ..warehouse import quote
from .specs import SyncSpec

SQL = Path(__file__).parent


@dataclass
class Change:
    """One row that differs from what was delivered (or, with an app record to compare, any row)."""

    key: str
    change: str                     # added | changed | removed | unchanged
    payload: dict | None            # what the model wants now (None when removed)
    payload_hash: str | None
    delivered: dict | None          # what the loop last pushed and the app confirmed
    attempts: int = 0               # earlier rejections of this payload
    dead_lettered: bool = False


def ensure_sync_tables(conn) -> None:
    """Create the loop.sync_* state tables if this warehouse is new."""
    conn.execute((SQL / "state.sql").read_text())


def diff_against_delivered(conn, spec: SyncSpec) -> tuple[dict[str, int], list[Change]]:
    """Counts per kind of change, and every row that is not unchanged."""
    columns = ", ".join(f"{quote(path)} := {quote(column)}" for column, path in spec.fields)
    conn.execute(
        f"create or replace temp view sync_source as select cast({quote(spec.primary_key)} as varchar) as key, "
        f"to_json(struct_pack({columns})) as payload from main.{quote(spec.model)}"
    )
    conn.execute((SQL / "diff.sql").read_text(), {"sync": spec.name})
    counts = dict(conn.execute("select change, count(*) from sync_changes group by change").fetchall())
    rows = conn.execute(
        "select key, change, payload, payload_hash, delivered_payload, attempts, dead_lettered "
        "from sync_changes where change <> 'unchanged' order by key"
    ).fetchall()
    return ({kind: counts.get(kind, 0) for kind in ("added", "changed", "removed", "unchanged")},
            [change_from_row(row) for row in rows])


def read_back(conn, spec: SyncSpec) -> list[tuple[Change, dict]]:
    """Rows whose app record was extracted after the loop's last confirmed push, with the record's top-level
    fields that the sync writes. Only those are parsed: a Stripe customer is about 1 KB of JSON, its metadata
    a few dozen bytes, and every record comes back once after a full sync."""
    if spec.raw is None or existing_kind(conn, Relation("raw", spec.raw)) is None:
        return []
    conn.execute(
        f"create or replace temp view sync_app as select cast(id as varchar) as key, _loop_raw as record, "
        f"_loop_extracted_at as extracted_at from raw.{quote(spec.raw)}"
    )
    parents = sorted({path.split(".", 1)[0] for _, path in spec.fields})
    rows = conn.execute((SQL / "readback.sql").read_text(),
                        {"sync": spec.name, "paths": [f'$."{parent}"' for parent in parents]}).fetchall()
    return [(change_from_row(row[:-1]), {parent: None if part is None else json.loads(part)
                                 for parent, part in zip(parents, row[-1])}) for row in rows]


def change_from_row(row) -> Change:
    """A Change from (key, change, payload, payload_hash, delivered, attempts, dead_lettered), JSON as text."""
    key, change, payload, payload_hash, delivered, attempts, dead = row
    return Change(key, change, json.loads(payload) if payload else None, payload_hash,
                  json.loads(delivered) if delivered else None, attempts, dead)
