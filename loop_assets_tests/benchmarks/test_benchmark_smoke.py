"""The benchmark suite runs at a tiny scale without the peer tools and writes its results (timings unchecked)."""

import argparse
import json
import subprocess
import sys
import time

import pytest

from loop_assets.sandbox.generator import GENERATOR_META_KEY
from loop_assets.sandbox.store import open_store
from loop_assets_tests.benchmarks.__main__ import Measured, partial_path
from loop_assets_tests.benchmarks.clock import parse_moment
from loop_assets_tests.benchmarks.sandbox_data import STALE_AFTER_SECONDS, pristine_data
from loop_assets_tests.benchmarks.scales import SCALES


def test_benchmark_suite_runs_as_of_a_chosen_weekday_without_peers_and_writes_its_results(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "loop_assets_tests.benchmarks", "--scale", "tiny", "--no-peers",
         "--root", str(tmp_path), "--as-of", "2026-11-25T12:00"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads((tmp_path / "results-tiny.json").read_text())
    measured = results["measured"]
    assert measured["full_loop"]["api_records"] > 0 and measured["full_loop"]["segment_records"] > 0
    incremental = measured["incremental_loop"]
    assert incremental["phases_s"]["syncs"] >= 0
    assert set(incremental["peak_rss_mib_by_phase"]) == {"start", *incremental["phases_s"]}
    assert set(incremental["steps_s"]) == set(incremental["phases_s"])
    assert {"stripe__customers_sync__plan", "stripe__customers_sync__deliver", "stripe__customers_sync__record"
            } <= set(incremental["steps_s"]["syncs"])
    assert [s["sync"] for s in measured["settling_loop"]["syncs"]] == [s["sync"] for s in incremental["syncs"]]
    assert "dlt" not in measured and "dbt" not in measured
    assert {row["what"] for row in results["summary"]} >= {
        "full loop wall s", "settling loop s vs full loop (lands the loop's writes)", "incremental loop s vs full loop"}
    assert "incremental loop s vs full loop" in completed.stdout
    assert "where the incremental loop's time goes" in completed.stdout
    # The whole suite ran on a clock set back to a Wednesday noon: the incremental day is that Tuesday's.
    assert measured["as_of"] == "Wed 2026-11-25 12:00 UTC"
    assert measured["activity_window"]["from"].startswith("Tue 2026-11-24 12:")
    assert measured["activity_window"]["weekend_hours"] == 0
    assert "as of Wed 2026-11-25 12:00 UTC; the incremental day: Tue 2026-11-24" in completed.stdout
    assert not (tmp_path / "results-tiny.partial.json").exists()  # kept only while a run goes


def test_each_measurement_is_on_disk_as_soon_as_it_is_taken(tmp_path):
    measured = Measured(partial_path(tmp_path, "tiny"), {"scale": {"name": "tiny"}})
    measured["fetch_limit"] = {"records": 5, "seconds": 0.1}
    on_disk = json.loads((tmp_path / "results-tiny.partial.json").read_text())
    assert on_disk == {"scale": {"name": "tiny"}, "fetch_limit": {"records": 5, "seconds": 0.1}}


def test_stored_sandbox_data_is_reused_only_while_its_history_ends_about_a_day_ago(tmp_path):
    day_ago = int(time.time()) - 86_400
    pristine, generated_s = pristine_data(tmp_path, SCALES["tiny"], day_ago)
    assert generated_s is not None
    assert pristine_data(tmp_path, SCALES["tiny"], day_ago + 600) == (pristine, None)
    assert pristine_data(tmp_path, SCALES["tiny"], day_ago + STALE_AFTER_SECONDS + 60)[1] is not None
    assert pristine_data(tmp_path, SCALES["tiny"], day_ago)[1] is not None  # a history ending later is not reused
    store = open_store(pristine)
    assert json.loads(store.get_meta(GENERATOR_META_KEY))["now"] == day_ago
    store.close()


def test_the_delivery_cost_benchmark_runs_and_reports_its_cost_per_row():
    completed = subprocess.run(
        [sys.executable, "-m", "loop_assets_tests.benchmarks.deliver_cost", "1000", "40", "0.001"],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "40 rows sent with 1 ms latency, 8 at a time" in completed.stdout
    assert "ms a row" in completed.stdout and "recorded beside 1,000 delivered rows" in completed.stdout


def test_as_of_takes_a_utc_day_or_minute_and_refuses_the_future():
    assert parse_moment("2026-11-25") == 1_795_564_800
    assert parse_moment("2026-11-25T12:00") == 1_795_564_800 + 12 * 3600
    with pytest.raises(argparse.ArgumentTypeError, match="in the future"):
        parse_moment("2999-01-01")
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD or YYYY-MM-DDTHH:MM"):
        parse_moment("last tuesday")
