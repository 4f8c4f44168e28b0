"""Sensor: new Segment landing files request exactly the received days they landed in, late ones included.

It lists files and remembers the newest modification time seen, so a file landing late in an old day's
folder re-runs that day. A file holding only the loop's own identify calls (the traits sync) is an echo.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from ..apps.segment import SegmentLanding
from ..extract.assets import segment_days
from ..resources import SegmentResource
from .echo import is_segment_echo
from .jobs import segment_events_job

SEGMENT_FILES_INTERVAL_SECONDS = 30


def new_files(landing: SegmentLanding, cursor: dict | None) -> tuple[dict[date, list[Path]], dict]:
    """Finished files modified after the cursor, by received day, and the cursor after them."""
    newest, at_newest = (cursor["mtime_ns"], set(cursor["at_mtime"])) if cursor else (-1, set())
    found: dict[date, list[Path]] = {}
    high, at_high = newest, set(at_newest)
    for day in landing.days():
        for path in landing.files(day):
            mtime = path.stat().st_mtime_ns
            if mtime < newest or (mtime == newest and str(path) in at_newest):
                continue
            found.setdefault(day, []).append(path)
            if mtime > high:
                high, at_high = mtime, set()
            if mtime == high:
                at_high.add(str(path))
    return found, {"mtime_ns": high, "at_mtime": sorted(at_high)}


def _is_echo_file(landing: SegmentLanding, path: Path) -> bool:
    try:
        return all(is_segment_echo(json.loads(text)) for _, text in landing.read_lines(path))
    except ValueError:  # unreadable or not JSON: the extract quarantines it, so it is real work
        return False


def day_ranges(days: list[date]) -> list[tuple[str, str]]:
    """Consecutive days joined into (first, last) partition-key ranges: one run each."""
    ranges: list[list[date]] = []
    for day in sorted(days):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(first.isoformat(), last.isoformat()) for first, last in ranges]


@dg.sensor(
    name="segment_landing_files",
    target=segment_events_job,
    minimum_interval_seconds=SEGMENT_FILES_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-runs each received day of raw/segment__events that got a new landing file.",
)
def segment_files_sensor(context: dg.SensorEvaluationContext, segment: SegmentResource):
    landing = segment.landing()
    cursor = json.loads(context.cursor) if context.cursor else None
    try:
        found, new_cursor = new_files(landing, cursor)
    except OSError as exc:
        return dg.SkipReason(f"Segment landing folder {landing.folder} could not be listed: {exc}")
    valid = set(segment_days.get_partition_keys())
    days = [day for day, paths in found.items()
            if day.isoformat() in valid and not all(_is_echo_file(landing, p) for p in paths)]
    if not days:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new Segment landing files besides the loop's own"),
                               cursor=json.dumps(new_cursor))
    requests = [
        dg.RunRequest(partition_key=first) if first == last else dg.RunRequest(tags={
            "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
        for first, last in day_ranges(days)
    ]
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(new_cursor))
