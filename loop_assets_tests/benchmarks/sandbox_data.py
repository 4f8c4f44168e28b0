"""Sandbox data at a scale: generated once (it is slow at large scales), then copied fresh for every run."""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from loop_assets.sandbox.generator import GENERATOR_META_KEY, generate
from loop_assets.sandbox.segment_history import is_weekend
from loop_assets.sandbox.store import open_store

from .clock import utc
from .scales import Scale

DAY_SECONDS = 86_400
# Stored data whose history ended longer before "a day ago" is generated again: the days between its end
# and the incremental day would hold no activity at all, and thin every 7-day window the models compute.
STALE_AFTER_SECONDS = 2 * 3600


def pristine_data(root: Path, scale: Scale, history_end: int) -> tuple[Path, float | None]:
    """The generated state for `scale` under `root`, and the generation time when it was generated now.

    The history ends at `history_end`, a day before the suite starts, so the incremental pass can add the
    day since then as new activity. A stored state is reused while its settings match and its history ended
    at most `STALE_AFTER_SECONDS` before that: about the gap a run leaves itself, its passes before the
    incremental one taking up to an hour and a half at `large`.
    """
    pristine = root / scale.name / "pristine"
    stored_end = _stored_history_end(pristine, scale)
    if stored_end is not None and 0 <= history_end - stored_end <= STALE_AFTER_SECONDS:
        return pristine, None
    if stored_end is not None:
        print(f"generating {pristine} again: its history ended {utc(stored_end)}, not up to {utc(history_end)}",
              file=sys.stderr, flush=True)
    shutil.rmtree(pristine, ignore_errors=True)
    started = time.perf_counter()
    generate(open_store(pristine), pristine, customers=scale.customers, days=scale.days, seed=7,
             now=history_end, events_per_customer_day=scale.events_per_customer_day)
    return pristine, time.perf_counter() - started


def fresh_copy(pristine: Path, working: Path) -> Path:
    """A throwaway copy of the pristine state: the loop's syncs and the activity change it."""
    shutil.rmtree(working, ignore_errors=True)
    shutil.copytree(pristine, working)
    return working


def landed_days(state_dir: Path) -> dict[str, int]:
    """Segment's received days (partition keys) with how many landing files each holds."""
    folders = [p for p in (state_dir / "segment-logs").glob("*/*") if p.is_dir()]
    return {datetime.fromtimestamp(int(p.name) / 1000, tz=timezone.utc).date().isoformat(): len(list(p.iterdir()))
            for p in folders}


def activity_window(start: int, end: int) -> dict:
    """The incremental day's UTC bounds and its hours on a weekend: a quiet Segment day moves fewer scores,
    so the syncs' change sets, and the pass, depend on the day of the week the suite runs as of."""
    return {"from": utc(start), "to": utc(end),
            "weekend_hours": sum(is_weekend(hour) for hour in range(start, end, 3600))}


def _stored_history_end(pristine: Path, scale: Scale) -> int | None:
    """When the history stored at `pristine` ends, if it was generated with `scale`'s settings."""
    if not (pristine / "state.sqlite3").exists():
        return None
    store = open_store(pristine)
    stored = store.get_meta(GENERATOR_META_KEY)
    store.close()
    if stored is None:
        return None
    saved = json.loads(stored)
    settings = {"customers": scale.customers, "days": scale.days,
                "events_per_customer_day": scale.events_per_customer_day}
    return saved["now"] if all(saved[key] == value for key, value in settings.items()) else None
