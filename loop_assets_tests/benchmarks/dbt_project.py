"""Write a dbt project that runs the loop's own model files with dbt-duckdb against a copy of the warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

MODELS = Path(__file__).parents[2] / "loop_assets" / "models"


def write_dbt_project(project_dir: Path, database: Path) -> Path:
    """A dbt project at `project_dir` holding copies of loop_assets/models' files, unchanged.

    Each layer folder goes under `models/` and `macros/` beside it (dbt's `macro-paths`), so dbt never
    reads the loop's macros as models. Copies, not symlinks: dbt does not walk symlinked folders.
    """
    shutil.rmtree(project_dir, ignore_errors=True)
    (project_dir / "models").mkdir(parents=True)
    for entry in MODELS.iterdir():
        target = project_dir / ("macros" if entry.name == "macros" else f"models/{entry.name}")
        if entry.is_dir():
            shutil.copytree(entry, target)
        elif entry.suffix == ".yml":
            shutil.copyfile(entry, target)
    (project_dir / "dbt_project.yml").write_text(
        "name: loop_bench\n"
        "version: '1.0'\n"
        "profile: loop_bench\n"
        "model-paths: [models]\n"
        "macro-paths: [macros]\n"
    )
    # One thread: the loop builds its models one at a time too (DuckDB parallelises inside each query).
    (project_dir / "profiles.yml").write_text(
        "loop_bench:\n"
        "  target: bench\n"
        "  outputs:\n"
        "    bench:\n"
        "      type: duckdb\n"
        f"      path: '{database}'\n"
        "      schema: main\n"
        "      threads: 1\n"
    )
    return project_dir
