"""The delivery loop's own cost per row: `deliver` into a journal against an app that answers after a fixed
latency, then the record step that moves the answers into a warehouse's ledger.

Run as `python -m loop_assets_tests.benchmarks.deliver_cost [delivered_rows] [rows_to_send] [latency_s]`
(defaults: 600,000 rows already delivered, as at the large scale; 2,000 to send; 5 ms). Prints seconds
and milliseconds per row; the calls alone need latency / in_flight per row.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource

from loop_assets.apps.http import CallStats
from loop_assets.sync import journal
from loop_assets.sync.adapters.base import Sent
from loop_assets.sync.deliver import deliver
from loop_assets.sync.diff import Change, ensure_sync_tables
from loop_assets.sync.specs import SYNCS

STRIPE = replace(next(s for s in SYNCS if s.name == "stripe__customers_sync"), requests_per_second=1e6)
PAYLOAD = {"metadata.loop_tier": "high", "metadata.loop_score": "50"}


class FixedLatencyApp:
    def __init__(self, latency: float):
        self.stats, self.latency = CallStats(), latency

    def send(self, rows: list[Change]) -> Sent:
        time.sleep(self.latency)
        return Sent(1, {})


def main(delivered: int = 600_000, to_send: int = 2_000, latency: float = 0.005) -> None:
    directory = Path(tempfile.mkdtemp())
    database, path = str(directory / "warehouse.duckdb"), directory / "journal.duckdb"
    with duckdb.connect(database) as conn:
        ensure_sync_tables(conn)
        conn.execute("insert into loop.sync_delivered select ?, 'cus_' || i, ?, md5(i::varchar), now(), 'run-0' "
                     "from range(?) t(i)", [STRIPE.name, PAYLOAD, delivered])
    rows = [Change(f"cus_{i}", "changed", {**PAYLOAD, "metadata.loop_score": "51"}, f"hash{i}", PAYLOAD)
            for i in range(to_send)]
    with journal.connect(path) as conn:
        journal.start(conn, journal.PlanRow("plan-1", "run-1", "run-1"), rows, [])
    started = time.perf_counter()
    deliver(STRIPE, rows, FixedLatencyApp(latency), lambda: journal.connect(path))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    with DuckDBResource(database=database).get_connection() as conn, journal.attached(conn, path):
        journal.record_in_warehouse(STRIPE, conn)
    recording = time.perf_counter() - started
    print(f"{to_send:,} rows sent with {latency * 1000:g} ms latency, {STRIPE.in_flight} at a time: {seconds:.2f} s, "
          f"{seconds / to_send * 1000:.2f} ms a row (the calls alone: {latency / STRIPE.in_flight * 1000:.2f} ms); "
          f"recorded beside {delivered:,} delivered rows in {recording:.2f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]), *(float(a) for a in sys.argv[3:4]))
