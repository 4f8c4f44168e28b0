"""The sync change set at scale: loop's diff over a synthetic outbound table against a delivered state 1% apart."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from loop_assets.sync.diff import diff_against_delivered, ensure_sync_tables
from loop_assets.sync.specs import SyncSpec

SPEC = SyncSpec("stripe", "stripe_customers", "bench__customers_sync", "bench_outbound", "customer_id",
                (("loop_tier", "metadata.loop_tier"), ("loop_score", "metadata.loop_score")))
CHANGED_EVERY = 100  # 1% of rows differ from what was delivered


def time_diff(database: Path, rows: int) -> dict:
    """Seconds `diff_against_delivered` takes on `rows` rows of which 1% changed since the last delivery."""
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as conn:
        conn.execute("set enable_progress_bar = false")
        ensure_sync_tables(conn)
        conn.execute("create table main.bench_outbound as select 'cus_' || i as customer_id, "
                     "['low', 'normal', 'high', 'strategic'][i % 4 + 1] as loop_tier, i % 97 as loop_score "
                     "from range(?) as t(i)", [rows])
        # The delivered state is what the diff itself would hash, with every 100th row's score one lower.
        conn.execute(
            "insert into loop.sync_delivered select ?, customer_id, payload, md5(cast(payload as varchar)), "
            "now(), 'bench' from (select customer_id, to_json(struct_pack(\"metadata.loop_tier\" := loop_tier, "
            "\"metadata.loop_score\" := loop_score - case when hash(customer_id) % ? = 0 then 1 else 0 end)) "
            "as payload from main.bench_outbound)", [SPEC.name, CHANGED_EVERY])
        started = time.perf_counter()
        counts, changes = diff_against_delivered(conn, SPEC)
        seconds = time.perf_counter() - started
    database.unlink()
    return {"rows": rows, "changed": counts["changed"], "rows_returned": len(changes), "seconds": seconds}
