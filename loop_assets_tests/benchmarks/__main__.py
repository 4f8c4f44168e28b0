"""`python -m loop_assets_tests.benchmarks --scale small|medium|large [--no-peers] [--as-of DAY]`: the whole suite.

Generates (or reuses) sandbox data at the scale, serves it, and measures on the same data: extraction
(page-fetch limit, dlt, loop), the full loop (extract -> models -> checks -> syncs) in a process of its
own, model builds (dbt run, compiled SQL alone), the sync diff at 1M rows, a settling loop that lands
what the full loop's syncs wrote into the apps, then an incremental loop after a day of sandbox activity.
Prints a table and writes data/bench/results-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from loop_assets.paths import data_dir
from loop_assets.sandbox import credentials
from loop_assets.sandbox.activity import advance
from loop_assets.sandbox.segment_history import WEEKEND_FACTOR
from loop_assets.sandbox.store import open_store
from loop_assets_tests.conftest import start_sandbox

from .clock import parse_moment, run_as_of, started_as_of, utc
from .fetch_limit import fetch_and_discard
from .model_build import compiled_sql_only, dbt_run
from .peers import ensure_peers_venv, run_peer_script
from .report import format_slowest_steps, format_table, summarize, write_results
from .sandbox_data import DAY_SECONDS, activity_window, fresh_copy, landed_days, pristine_data
from .scales import SCALES
from .sync_diff import time_diff

# Zendesk bulk jobs finish at once in the benchmark; the real app's queueing time is not ours to measure.
FAST_JOBS = {"job_queued_seconds": 0.05, "job_working_seconds": 0.05}
ACTIVITY_MINUTES = 24 * 60  # one day of business: ~1% of the 90-day history changes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loop_assets_tests.benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--no-peers", action="store_true", help="skip dlt and dbt (no peers venv needed)")
    parser.add_argument("--root", type=Path, default=None, help="default: $LOOP_DATA_DIR/bench or data/bench")
    parser.add_argument("--as-of", type=parse_moment, default=None, metavar="YYYY-MM-DD[THH:MM]",
                        help="run as if started at this UTC moment (libfaketime); default: now")
    args = parser.parse_args(argv)
    root = (args.root or data_dir() / "bench").resolve()
    if args.as_of is not None and started_as_of() is None:
        if not args.no_peers:
            ensure_peers_venv(root / "peers-venv")  # on the real clock: pip checks certificates' dates
        run_as_of(args.as_of, sys.argv[1:] if argv is None else argv)
    as_of = started_as_of()
    history_end = (int(time.time()) if as_of is None else as_of) - DAY_SECONDS
    measured = run_suite(SCALES[args.scale], root, peers=not args.no_peers, history_end=history_end)
    rows = summarize(args.scale, measured)
    output = root / f"results-{args.scale}.json"
    write_results(output, args.scale, measured, rows)
    partial_path(root, args.scale).unlink(missing_ok=True)
    print(format_table(rows))
    print()
    print(format_slowest_steps(measured["incremental_loop"], "where the incremental loop's time goes"))
    window = measured["activity_window"]
    print(f"\nas of {measured['as_of']}; the incremental day: {window['from']} to {window['to']}, "
          f"{window['weekend_hours']} of its 24 h on a weekend "
          f"(Segment's weekend days carry {WEEKEND_FACTOR:g} of a weekday's calls)")
    print(f"\nresults: {output}")


def run_suite(scale, root: Path, *, peers: bool, history_end: int) -> dict:
    """Every measurement of one run, raw (seconds, records, requests, MiB), on data up to `history_end`."""
    peers_python = ensure_peers_venv(root / "peers-venv") if peers else None
    _log(f"sandbox data at scale {scale.name}, its history up to {utc(history_end)} ...")
    pristine, generated_s = pristine_data(root, scale, history_end)
    state = fresh_copy(pristine, root / scale.name / "sandbox")
    work = root / scale.name / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    measured = Measured(partial_path(root, scale.name), {
        "scale": vars(scale), "as_of": utc(history_end + DAY_SECONDS), "generate_s": generated_s})
    sandbox = start_sandbox(state, config=FAST_JOBS)
    try:
        _log("page-fetch limit ...")
        fetch_and_discard(sandbox.url)  # warm the sandbox's SQLite cache: every extractor then reads it warm
        measured["fetch_limit"] = fetch_and_discard(sandbox.url)
        if peers_python:
            _log("dlt rest_api ...")
            measured["dlt"] = run_peer_script(peers_python, Path(__file__).with_name("peer_dlt_extract.py"), {
                "url": sandbox.url, "database": str(work / "dlt.duckdb"), "pipelines_dir": str(work / "dlt"),
                "stripe_key": credentials.STRIPE_API_KEY, "zendesk_email": credentials.ZENDESK_EMAIL,
                "zendesk_token": credentials.ZENDESK_API_TOKEN}, cwd=work)
        _log("full loop ...")
        warehouse, raw = work / "warehouse.duckdb", work / "raw.duckdb"
        landed = landed_days(state)
        measured["full_loop"] = _loop_pass(sandbox.url, state, warehouse, sorted(landed), raw)
        if peers_python:
            _log("dbt run ...")
            measured["dbt"] = dbt_run(peers_python.parent / "dbt", work, raw)
        measured["compiled_sql"] = compiled_sql_only(work, raw)
        _log("sync diff ...")
        measured["sync_diff"] = time_diff(work / "diff.duckdb", scale.diff_rows)
        # Every app now holds the full loop's writes (all customers, organizations, traits) as changes of
        # its own. A loop lands this echo of its first sync once; the day's change is measured apart.
        _log("settling loop ...")
        measured["settling_loop"] = _loop_pass(sandbox.url, state, warehouse, _days_with_new_files(landed, state))
        _log("activity + incremental loop ...")
        landed = landed_days(state)
        store = open_store(state)
        now = int(time.time())
        measured["activity"] = advance(store, state, minutes=ACTIVITY_MINUTES, now=now)
        measured["activity_window"] = activity_window(now - ACTIVITY_MINUTES * 60, now)
        store.close()
        measured["incremental_loop"] = _loop_pass(sandbox.url, state, warehouse, _days_with_new_files(landed, state))
    finally:
        sandbox.stop()
    return dict(measured)


def _days_with_new_files(landed: dict[str, int], state: Path) -> list[str]:
    """Segment days that received files since `landed` was listed: the days the next pass reads."""
    return sorted(day for day, files in landed_days(state).items() if files != landed.get(day))


def _loop_pass(url: str, state: Path, warehouse: Path, days: list[str], raw_copy: Path | None = None) -> dict:
    arguments = {"url": url, "state_dir": str(state), "warehouse": str(warehouse), "days": days,
                 "raw_copy": str(raw_copy) if raw_copy else None}
    completed = subprocess.run([sys.executable, "-m", "loop_assets_tests.benchmarks.loop_run", json.dumps(arguments)],
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"the loop pass failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def partial_path(root: Path, scale: str) -> Path:
    """Where a run keeps its measurements until it writes the results."""
    return root / f"results-{scale}.partial.json"


class Measured(dict):
    """The measurements so far, also written to `path` after each one: a run of hours that fails or is
    stopped keeps what it measured."""

    def __init__(self, path: Path, initial: dict):
        super().__init__()
        self.path = path
        for key, value in initial.items():
            self[key] = value

    def __setitem__(self, key: str, value) -> None:
        super().__setitem__(key, value)
        self.path.write_text(json.dumps(self, indent=2, default=str))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
