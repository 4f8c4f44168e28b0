"""The warehouse resource: a step's commits stay in DuckDB's log, and its connection checkpoints once at close."""

import duckdb

from loop_assets.warehouse import warehouse_resource

MB = 1024 * 1024


def test_commits_past_duckdbs_16_mb_default_stay_in_the_log_until_the_connection_closes(tmp_path):
    database, log = tmp_path / "warehouse.duckdb", tmp_path / "warehouse.duckdb.wal"
    with warehouse_resource(str(database)).get_connection() as conn:
        conn.execute("create table raw_lines (id varchar primary key, line varchar)")
        for group in range(4):  # four landing groups of ~12 MB, each its own transaction
            conn.execute("insert into raw_lines select 'line-' || i, repeat('x', 400) "
                         f"from range({group * 30_000}, {(group + 1) * 30_000}) t(i)")
        assert log.stat().st_size > 40 * MB  # no checkpoint rewrote the key index after each group
    assert not log.exists() or log.stat().st_size == 0  # closing checkpointed the log into the file
    with duckdb.connect(str(database), read_only=True) as reopened:
        assert reopened.execute("select count(*) from raw_lines").fetchone() == (120_000,)
