"""Reading the Segment landing files the generator writes, for the sandbox tests."""

from __future__ import annotations

import gzip
from pathlib import Path


def landed_lines(state_dir: Path) -> list[tuple[Path, str]]:
    """Every line of every landing file under `state_dir`, with the file it came from."""
    return [(path, line) for path in sorted(Path(state_dir).glob("segment-logs/*/*/*.gz"))
            for line in gzip.open(path, "rt", encoding="utf-8").read().splitlines()]
