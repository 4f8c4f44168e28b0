"""What DuckDB's catalog says about a relation: whether it exists as a table or view, its columns, its rows."""

from loop_assets.transform.relation import Relation

TABLE = "BASE TABLE"
VIEW = "VIEW"


def existing_kind(con, relation: Relation) -> str | None:
    """TABLE, VIEW, or None when the relation does not exist yet."""
    row = con.execute(
        "select table_type from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [relation.schema, relation.identifier],
    ).fetchone()
    return row[0] if row else None


def columns_of(con, relation: Relation) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column, in table order."""
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?"
        " order by ordinal_position",
        [relation.schema, relation.identifier],
    ).fetchall()


def row_count(con, relation: Relation) -> int:
    """Rows in the relation now."""
    return con.execute(f"select count(*) from {relation}").fetchone()[0]
