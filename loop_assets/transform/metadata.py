"""Materialization metadata of a built model: rows, column schema, compiled SQL and column lineage."""

import logging

import dagster as dg

from loop_assets.transform.catalog import columns_of, row_count
from loop_assets.transform.lineage import column_lineage
from loop_assets.transform.project import Model, Project


def materialization_metadata(con, project: Project, model: Model, sql: str, log: logging.Logger) -> dict:
    """Metadata read from DuckDB right after the build, while the connection is still open."""
    columns = columns_of(con, model.relation)
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(row_count(con, model.relation)),
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, data_type, description=_described(model, name))
                for name, data_type in columns
            ]
        ),
        "compiled_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"),
    }
    lineage = _lineage(con, project, model, sql, [name for name, _ in columns], log)
    if lineage is not None:
        metadata["dagster/column_lineage"] = lineage
    return metadata


def _described(model: Model, column: str) -> str | None:
    doc = model.columns.get(column)
    return doc.description if doc else None


def _lineage(con, project: Project, model: Model, sql: str, output_columns: list[str], log) -> dg.TableColumnLineage | None:
    upstream = [project.models[name].relation for name in model.refs]
    upstream += [project.sources[source].relation for source in model.sources]
    # An incremental run reads `{{ this }}` too.
    upstream.append(model.relation)
    upstream_columns = {relation: [name for name, _ in columns_of(con, relation)] for relation in upstream}
    try:
        origins = column_lineage(sql, upstream_columns, output_columns)
    except Exception as error:  # noqa: BLE001 - lineage is best effort and must never fail a build
        log.warning(f"Column lineage of model '{model.name}' ({model.path}) skipped: {error}")
        return None
    deps_by_column = {}
    for column, sources in origins.items():
        deps = [
            dg.TableColumnDep(asset_key=dg.AssetKey(list(key)), column_name=source_column)
            for relation, source_column in sources
            if (key := project.asset_key_of(relation)) is not None and key != (model.name,)
        ]
        if deps:
            deps_by_column[column] = deps
    return dg.TableColumnLineage(deps_by_column=deps_by_column)
