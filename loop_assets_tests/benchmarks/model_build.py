"""Model builds on copies of one raw warehouse: `dbt run` of the same files, and the compiled SQL alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import duckdb

from loop_assets.transform.project import load_project

from .dbt_project import MODELS, write_dbt_project


def dbt_run(dbt: Path, work: Path, raw_warehouse: Path) -> dict:
    """Wall time of `dbt run` (parse included, as a user waits for it) and dbt's own per-model timings."""
    database = work / "dbt.duckdb"
    shutil.copyfile(raw_warehouse, database)
    project = write_dbt_project(work / "dbt_project", database)
    started = time.perf_counter()
    completed = subprocess.run([str(dbt), "run", "--project-dir", str(project), "--profiles-dir", str(project)],
                               cwd=project, capture_output=True, text=True,
                               env={"PATH": "/usr/bin:/bin", "DO_NOT_TRACK": "1", "HOME": str(work),
                                    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"dbt run failed on the loop's models:\n{completed.stdout[-4000:]}")
    results = json.loads((project / "target" / "run_results.json").read_text())
    return {"seconds": seconds, "elapsed_s": results["elapsed_time"], "models": len(results["results"]),
            "model_execution_s": sum(r["execution_time"] for r in results["results"])}


def compiled_sql_only(work: Path, raw_warehouse: Path) -> dict:
    """The limit: each model's compiled SQL as one `create ... as` in DuckDB, in build order, nothing else."""
    database = work / "compiled.duckdb"
    shutil.copyfile(raw_warehouse, database)
    project = load_project(MODELS)
    statements = [(model, project.compile(model.name).rstrip().rstrip(";")) for model in project.models.values()]
    with duckdb.connect(str(database)) as conn:
        conn.execute("set enable_progress_bar = false")
        started = time.perf_counter()
        for model, sql in statements:
            kind = "view" if model.materialized == "view" else "table"
            conn.execute(f"create or replace {kind} {model.relation} as\n{sql}")
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "models": len(statements)}
