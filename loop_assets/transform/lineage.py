"""Column lineage of a model's compiled SQL, by parsing it with sqlglot (best effort)."""

from loop_assets.transform.relation import MODEL_SCHEMA, Relation


def column_lineage(
    sql: str, upstream_columns: dict[Relation, list[str]], output_columns: list[str]
) -> dict[str, list[tuple[Relation, str]]]:
    """For each output column, the upstream (relation, column) pairs its values come from.

    `upstream_columns` lets sqlglot expand `select *`; columns computed from no column
    (`count(*)`, literals) get an empty list. Raises sqlglot's errors on SQL it cannot follow.
    """
    # Imported here: only a model step needs sqlglot, every process that loads the code location would pay.
    from sqlglot import exp
    from sqlglot.lineage import lineage

    schema: dict = {}
    for relation, columns in upstream_columns.items():
        # sqlglot needs a type per column; lineage does not depend on which.
        schema.setdefault(relation.schema, {})[relation.identifier] = {c: "unknown" for c in columns}
    # Untrimmed selects: the walk only reads source tables and column names, and trimming deep-copies
    # every select once per output column (two thirds of the time).
    nodes = lineage(None, sql, schema=schema, dialect="duckdb", trim_selects=False)
    by_lower_name = {name.lower(): node for name, node in nodes.items()}
    result = {}
    for column in output_columns:
        node = by_lower_name.get(column.lower())
        if node is None:
            continue
        origins = {}
        for step in node.walk():
            if isinstance(step.source, exp.Table) and not step.downstream:
                relation = Relation(step.source.db or MODEL_SCHEMA, step.source.name)
                origins[(relation, step.name.rsplit(".", 1)[-1])] = None
        result[column] = list(origins)
    return result
