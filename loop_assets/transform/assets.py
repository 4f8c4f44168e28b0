"""The Dagster asset factory: one asset per SQL model, built in the `warehouse` DuckDB."""

import time
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from loop_assets.transform.build import build_model
from loop_assets.transform.metadata import materialization_metadata
from loop_assets.transform.project import Model, Project, load_project
from loop_assets.warehouse import OWNERS, POOL

KINDS = {"sql", "duckdb"}


def build_model_assets(project_dir: Path, *, vars: dict | None = None) -> list[dg.AssetsDefinition]:
    """One asset per model of the project at `project_dir`; parses files only, opens no database."""
    project = load_project(project_dir, vars=vars)
    return [_model_asset(project, model) for model in project.models.values()]


def _model_asset(project: Project, model: Model) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(list(project.sources[source].asset_key)) for source in model.sources]
    deps += [dg.AssetKey([name]) for name in model.refs]
    tags = model.config.get("tags") or []

    @dg.asset(
        key=dg.AssetKey([model.name]),
        deps=deps,
        group_name=model.layer,
        kinds=KINDS,
        description=model.description or f"SQL model {model.path.relative_to(project.directory)}",
        pool=POOL,
        owners=OWNERS,
        tags={tag: "" for tag in ([tags] if isinstance(tags, str) else tags)},
        metadata={
            "dagster/table_name": f"{model.relation.schema}.{model.name}",
            "model_file": dg.MetadataValue.path(str(model.path)),
            "materialized": model.materialized,
        },
    )
    def model_asset(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
        started = time.perf_counter()
        with warehouse.get_connection() as con:
            sql = build_model(con, project, model)
            duration = time.perf_counter() - started
            metadata = materialization_metadata(con, project, model, sql, context.log)
        metadata["duration_seconds"] = dg.MetadataValue.float(round(duration, 3))
        return dg.MaterializeResult(metadata=metadata)

    return model_asset
