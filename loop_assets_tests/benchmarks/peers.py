"""The peer tools (dlt, dbt-duckdb) in their own virtual environment, so the project's dependencies stay clean."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

# dbt-core 1.12+ pulls dbt-core-experimental-parser, whose build downloads a wheel from GitHub: pin 1.11.
PEER_REQUIREMENTS = ("dlt[duckdb]", "dbt-core~=1.11.0", "dbt-duckdb~=1.11.0", "py-spy")


def ensure_peers_venv(venv_dir: Path) -> Path:
    """Create `venv_dir` with the peers installed (once); return its python."""
    python = venv_dir / "bin" / "python"
    marker = venv_dir / "peers-installed.json"
    if marker.exists() and json.loads(marker.read_text()) == list(PEER_REQUIREMENTS):
        return python
    if not python.exists():
        venv.create(venv_dir, with_pip=True)
    print(f"installing {', '.join(PEER_REQUIREMENTS)} into {venv_dir} ...", file=sys.stderr)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], check=True)
    marker.write_text(json.dumps(list(PEER_REQUIREMENTS)))
    return python


def run_peer_script(python: Path, script: Path, arguments: dict, *, cwd: Path) -> dict:
    """Run one of this folder's peer scripts in the peers venv; it prints one JSON object as its last line."""
    completed = subprocess.run([str(python), str(script), json.dumps(arguments)], cwd=cwd, capture_output=True,
                               text=True, env={"PATH": "/usr/bin:/bin", "RUNTIME__DLTHUB_TELEMETRY": "false",
                                               "DO_NOT_TRACK": "1", "HOME": str(cwd)})
    if completed.returncode != 0:
        raise RuntimeError(f"{script.name} failed in the peers venv ({python}):\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
