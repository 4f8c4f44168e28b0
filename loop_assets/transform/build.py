"""Build a model in DuckDB: views replaced, tables swapped in atomically, incremental models merged by key."""

import duckdb

from loop_assets.transform.catalog import TABLE, VIEW, existing_kind
from loop_assets.transform.errors import ModelError
from loop_assets.transform.project import Model, Project
from loop_assets.transform.relation import Relation, quote
from loop_assets.transform.source_lines import model_sql_error
from loop_assets.warehouse import transaction

TEMPORARY_SUFFIX = "__loop_tmp"


def build_model(con: duckdb.DuckDBPyConnection, project: Project, model: Model) -> str:
    """Build one model inside DuckDB and return the compiled SQL that ran."""
    existing = existing_kind(con, model.relation)
    if model.materialized == "incremental" and existing == TABLE:
        sql = _compiled(project, model, is_incremental=True)
        with transaction(con):
            _merge(con, model, sql)
        return sql
    sql = _compiled(project, model, is_incremental=False)
    with transaction(con):
        if model.materialized == "view":
            _replace_view(con, model, sql, existing)
        else:
            _swap_in_table(con, model, sql, existing)
    return sql


def _compiled(project: Project, model: Model, *, is_incremental: bool) -> str:
    # DuckDB takes one statement: a trailing semicolon would end the CREATE ... AS early.
    return project.compile(model.name, is_incremental=is_incremental).rstrip().rstrip(";")


def _replace_view(con, model: Model, sql: str, existing: str | None) -> None:
    if existing == TABLE:
        con.execute(f"drop table {model.relation}")
    _run_model_sql(con, model, f"create or replace view {model.relation} as", sql)


def _swap_in_table(con, model: Model, sql: str, existing: str | None) -> None:
    # Built beside the old table in the same transaction: a failure leaves the old table as it was.
    temporary = _temporary(model)
    con.execute(f"drop table if exists {temporary}")
    _run_model_sql(con, model, f"create table {temporary} as", sql)
    if existing == TABLE:
        con.execute(f"drop table {model.relation}")
    elif existing == VIEW:
        con.execute(f"drop view {model.relation}")
    con.execute(f"alter table {temporary} rename to {quote(model.name)}")


def _merge(con, model: Model, sql: str) -> None:
    # DELETE + INSERT by key: DuckDB's ON CONFLICT would need a key constraint the model table lacks.
    batch = _temporary(model)
    con.execute(f"drop table if exists {batch}")
    _run_model_sql(con, model, f"create table {batch} as", sql)
    try:
        if model.unique_key:
            matches = " and ".join(f"target.{quote(k)} = batch.{quote(k)}" for k in model.unique_key)
            con.execute(f"delete from {model.relation} as target using {batch} as batch where {matches}")
        con.execute(f"insert into {model.relation} by name select * from {batch}")
    except duckdb.Error as error:
        raise ModelError(
            f"{model.path}: DuckDB could not merge the new rows into {model.relation} "
            f"(unique_key={list(model.unique_key)}): {error}"
        ) from error
    con.execute(f"drop table {batch}")


def _run_model_sql(con, model: Model, head: str, sql: str) -> None:
    """Run `head` + the model's SQL; a DuckDB error becomes one naming the model file and line."""
    try:
        con.execute(f"{head}\n{sql}")
    except duckdb.Error as error:
        raise model_sql_error(model.path, model.path.read_text(), sql, error, lines_before=1) from error


def _temporary(model: Model) -> Relation:
    return Relation(model.relation.schema, model.name + TEMPORARY_SUFFIX)
