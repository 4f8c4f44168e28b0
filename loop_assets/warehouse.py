"""The DuckDB warehouse: the resource every asset shares, identifier quoting, and the loop's state tables.

DuckDB lets one process hold the file at a time, so every asset that opens it runs in the Dagster pool
`warehouse` (limit 1) and keeps its connection for the step only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_duckdb import DuckDBResource

from .paths import data_dir

POOL = "warehouse"
# Who answers for every asset in the warehouse: shown in the UI next to each asset.
OWNERS = ["team:data"]
STATE_SQL = Path(__file__).parent / "warehouse.sql"
MEMORY_LIMIT = "1GB"
# DuckDB checkpoints whenever its write-ahead log passes 16 MB (its default), and a checkpoint writes the
# raw tables' primary key indexes out again: 2-3 s at 11M Segment keys. A day of Segment lines landed in 8
# groups spent 6 of its 14 s in commits; with 256 MB the log takes the day and the step checkpoints once,
# as its connection closes: 7.2 s. A crash replays the log at the next open.
CHECKPOINT_THRESHOLD = "256MB"


def warehouse_path() -> str:
    """`LOOP_WAREHOUSE`, or `warehouse.duckdb` in the data directory."""
    return os.environ.get("LOOP_WAREHOUSE") or str(data_dir() / "warehouse.duckdb")


def warehouse_resource(database: str | None = None) -> DuckDBResource:
    """The warehouse at `database` (default: warehouse_path()), its memory capped by
    `LOOP_WAREHOUSE_MEMORY` (default 1GB): DuckDB would take up to 80% of the machine, in a process it
    shares with Dagster, pandas and GX; past the cap it spills to disk beside the file."""
    memory = os.environ.get("LOOP_WAREHOUSE_MEMORY") or MEMORY_LIMIT
    return DuckDBResource(database=database or warehouse_path(),
                          connection_config={"memory_limit": memory, "checkpoint_threshold": CHECKPOINT_THRESHOLD})


def quote(identifier: str) -> str:
    """Quote one SQL identifier; the only way names from specs enter SQL text."""
    return '"' + identifier.replace('"', '""') + '"'


@contextmanager
def transaction(conn) -> Iterator[None]:
    """One transaction on `conn`: committed when the block ends, rolled back if it raises."""
    conn.begin()
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def ensure_state_tables(conn) -> None:
    """Create the `loop` schema's state tables (cursors, quarantine) if this warehouse is new."""
    conn.execute(STATE_SQL.read_text())
