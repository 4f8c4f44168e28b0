"""The README's backfill commands, run as a user would: real `dagster asset materialize` subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from loop_assets.apps.segment import SegmentLanding
from loop_assets.extract.landing import read_state
from loop_assets.extract.streams import files_to_read, landed_files
from loop_assets.sandbox import credentials

REPO = Path(__file__).resolve().parents[2]


def dagster(env: dict, *args: str) -> str:
    command = [str(Path(sys.executable).parent / "dagster"), *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stderr


def test_backfill_a_range_of_segment_days_and_everything_downstream_then_rerun_one_day(sandbox, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    warehouse = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "LOOP_DATA_DIR": str(tmp_path), "LOOP_SANDBOX_URL": sandbox.url,
           "LOOP_WAREHOUSE": str(warehouse)}
    landing = SegmentLanding(sandbox.state_dir, credentials.SEGMENT_SOURCE_ID)
    days = [d.isoformat() for d in landing.days()][-3:]

    materialize = ("asset", "materialize", "-m", "loop_assets.definitions")
    # A fresh checkout: the apps once, the Segment days in one run, then every model on top.
    dagster(env, "job", "execute", "-m", "loop_assets.definitions", "-j", "api_extracts")
    dagster(env, *materialize, "--select", "raw/segment__events", "--partition-range", f"{days[0]}...{days[-1]}")
    # Checked before the syncs: the Segment traits sync's calls land as new files of today.
    assert days_read_whole(warehouse, landing) == set(days)
    dagster(env, *materialize, "--select", "not group:raw")

    # Later: one day again (say, a late file), then everything downstream of the events.
    dagster(env, *materialize, "--select", "raw/segment__events", "--partition", days[1])
    log = dagster(env, *materialize, "--select", "stg_segment__events*")
    assert "account_priority" in log and "stg_stripe__customers" not in log
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from stg_segment__events").fetchone()[0] > 0


def days_read_whole(warehouse: Path, landing: SegmentLanding) -> set[str]:
    """The days whose extract cursor leaves none of the day's landing files to read. Not the days of the landed
    rows: just after midnight a day's only files may hold broken lines or late copies of calls landed before."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {day.isoformat() for day in landing.days()
                if not files_to_read(landing, day, landed_files(read_state(conn, f"segment__events/{day}")))[0]}
