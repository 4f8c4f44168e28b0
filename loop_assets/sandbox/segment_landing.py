"""Segment's S3 destination layout: `segment-logs/{source_id}/{received_day_ms}/{file}.gz`."""

from __future__ import annotations

import gzip
import os
from datetime import datetime, timezone
from pathlib import Path


def day_ms(received_at: float) -> int:
    """Midnight UTC of the receiving day, in epoch milliseconds (the folder name Segment uses)."""
    day = datetime.fromtimestamp(received_at, tz=timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp() * 1000)


def write_landing_file(root: Path, source_id: str, lines: list[str], *, received_at: float, name: str) -> Path:
    """Write one gzipped NDJSON file atomically (a reader never sees half a file)."""
    folder = Path(root) / "segment-logs" / source_id / str(day_ms(received_at))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.gz"
    tmp = folder / f".{name}.gz.tmp"
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        for line in lines:
            out.write(line.rstrip("\n") + "\n")
    os.replace(tmp, path)
    return path
