"""The moment the suite runs as of, and libfaketime to run it then when that moment is not now.

The history ends a day before the suite starts and the incremental pass applies the 24 h before it runs,
so the day of the week decides how busy that day is (Segment's weekends carry a third of a weekday's
calls). `--as-of` pins that moment: runs as of the same moment measure the same day, whenever they run.
Every process of the suite (sandbox, loop passes with Dagster and DuckDB, dlt, dbt) then sees a clock
shifted back by a constant; monotonic clocks and file times stay real. libfaketime comes from PyPI's
`libfaketime` (dev extra): Debian's 0.9.10 build fails Python 3.11's `time.sleep` with EINVAL once
monotonic time is left real (libfaketime issue 426).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone

AS_OF_ENV = "LOOP_BENCH_AS_OF"  # the moment a suite runs as of (epoch seconds), set before it re-executes


def parse_moment(text: str) -> int:
    """`YYYY-MM-DD` (midnight) or `YYYY-MM-DDTHH:MM`, UTC, as epoch seconds; the future is refused."""
    try:
        moment = int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if moment > time.time():
        raise argparse.ArgumentTypeError(f"{text} is in the future: the suite runs as of now or before")
    return moment


def started_as_of() -> int | None:
    """The moment this suite runs as of, when it was started by `run_as_of`."""
    value = os.environ.get(AS_OF_ENV)
    return int(value) if value else None


def run_as_of(moment: int, module_args: list[str]) -> None:
    """Replace this process by `python -m loop_assets_tests.benchmarks *module_args` with its clock (and
    its children's) set back so that it starts at `moment`."""
    from libfaketime import get_reload_information

    _, preload = get_reload_information()
    behind = int(time.time()) - moment
    env = {**os.environ, **preload, AS_OF_ENV: str(moment), "FAKETIME": f"-{behind}",
           "FAKETIME_NO_CACHE": "0",  # the offset never changes: keep libfaketime's cached reading of it
           "FAKETIME_DONT_FAKE_MONOTONIC": "1", "NO_FAKE_STAT": "1"}
    print(f"running as of {utc(moment)}: the clock {behind:,} s behind (libfaketime)", file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, "-m", "loop_assets_tests.benchmarks", *module_args], env)


def utc(moment: int) -> str:
    """`Wed 2026-12-02 12:00 UTC`."""
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%a %Y-%m-%d %H:%M UTC")
