"""Where `loop` keeps its files: everything generated lands under one data directory."""

import os
from pathlib import Path

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """`LOOP_DATA_DIR`, or the repository's `data/` folder."""
    return Path(os.environ.get("LOOP_DATA_DIR") or REPO_DATA_DIR)


def sandbox_dir() -> Path:
    """The sandbox apps' state and Segment landing files."""
    return data_dir() / "sandbox"
