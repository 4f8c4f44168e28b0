"""What the checks of a model or source table need from DuckDB, read in one short read-only connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
from dagster_duckdb import DuckDBResource

from loop_assets.checks.suite import TableSuite
from loop_assets.transform.relation import MODEL_SCHEMA, Relation, quote

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class SuiteInputs:
    """The checked columns, and the distinct keys of each model that a relationships test points to."""

    frame: pd.DataFrame
    parent_keys: dict[tuple[str, str], list]


def read_suite_inputs(warehouse: DuckDBResource, suite: TableSuite) -> SuiteInputs:
    """One query for the table's checked columns, one per relationships parent; the connection never writes."""
    relation = suite.relation
    parents = {check.expectation.parent for check in suite.checks if check.expectation.parent}
    with duckdb.connect(warehouse.database, read_only=True, config=warehouse.connection_config) as con:
        frame = _select(con, relation, suite.columns, suite)
        parent_keys = {}
        for model, column in sorted(parents):
            parent = Relation(MODEL_SCHEMA, model)
            keys = _select(con, parent, (column,), suite, distinct=True)[column]
            parent_keys[(model, column)] = keys.dropna().tolist()
    return SuiteInputs(frame=frame, parent_keys=parent_keys)


def _select(
    con: duckdb.DuckDBPyConnection,
    relation: Relation,
    columns: tuple[str, ...],
    suite: TableSuite,
    *,
    distinct: bool = False,
) -> pd.DataFrame:
    select = "select distinct" if distinct else "select"
    try:
        if not columns:
            # Row-count tests read no column: count in DuckDB rather than move rows into pandas.
            import pandas as pd

            (count,) = con.execute(f"select count(*) from {relation}").fetchone()
            return pd.DataFrame(index=pd.RangeIndex(count))
        return con.execute(f"{select} {', '.join(quote(c) for c in columns)} from {relation}").df()
    except duckdb.Error as error:
        raise RuntimeError(
            f"checks of {suite.where} could not read "
            f"{', '.join(columns) or 'the row count'} from {relation}: {error}"
        ) from error
