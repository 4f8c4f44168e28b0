"""What the checks of a model or source table need from DuckDB, read in one short read-only connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
from dagster_duckdb import DuckDBResource

from loop_assets.checks.suite import TableSuite
from loop_assets.checks.tests import lookup_column
from loop_assets.transform.relation import MODEL_SCHEMA, Relation, quote

if TYPE_CHECKING:
    import pandas as pd


# Text is read as codes when its tests only compare values: 8 bytes a row instead of a Python string.
CODED_TYPES = frozenset({"VARCHAR", "JSON"})


@dataclass(frozen=True)
class SuiteInputs:
    """The checked columns and each relationships test's lookup column, which columns hold codes rather
    than the values, and which of those codes are hashes rather than exact."""

    frame: pd.DataFrame
    coded: frozenset[str] = frozenset()
    hashed: frozenset[str] = frozenset()

    def needs_exact_codes(self, failed_columns: set[str]) -> bool:
        """Whether a failure on these columns may come from a hash collision rather than from the values."""
        return bool(failed_columns & self.hashed)


def read_suite_inputs(warehouse: DuckDBResource, suite: TableSuite, *, exact: bool = False) -> SuiteInputs:
    """One query for the table's checked columns and relationships lookups; the connection never writes.

    A column tested only by not_null is read as presence (0 or null). Other text columns tested only for
    equality hold 64-bit hashes unless `exact`: equal values share a hash, so a test that passes on the
    hashes passes on the values, and hashing streams where a dense rank sorts the whole column (10.8M
    Segment rows: 1.1 GiB at peak instead of 2.2). A failing test is read again `exact`, for true counts
    and a decodable sample.
    """
    relation = suite.relation
    lookups = {lookup_column(check.expectation.columns[0], check.expectation.parent):
               _lookup(check.expectation.columns[0], check.expectation.parent)
               for check in suite.checks if check.expectation.parent}
    with duckdb.connect(warehouse.database, read_only=True, config=warehouse.connection_config) as con:
        presence = suite.presence_columns
        ranked = _text_columns(con, relation, suite.identity_columns - presence, suite)
        codes = {**{c: "presence" for c in presence}, **{c: "rank" if exact else "hash" for c in ranked}}
        frame = _select(con, relation, suite.columns, suite, codes=codes, lookups=lookups)
    return SuiteInputs(frame=frame, coded=frozenset(codes),
                       hashed=frozenset(c for c, code in codes.items() if code == "hash"))


def decode_sample(warehouse: DuckDBResource, suite: TableSuite, coded: frozenset[str], column: str | None,
                  sample: list) -> list:
    """GX's sample of unexpected values of `column` (or, for compound tests, of dicts by column) with codes
    turned back into the values they stand for, and a coded null as None."""
    import pandas as pd

    def columns_of(item) -> dict:
        return item if isinstance(item, dict) else {column: item}

    wanted: dict[str, set[int]] = {}
    for item in sample:
        for name, value in columns_of(item).items():
            if name in coded and not pd.isna(value):
                wanted.setdefault(name, set()).add(int(value))
    values = _values_of_codes(warehouse, suite, wanted) if wanted else {}

    def decoded(name: str, value):
        if name not in coded:
            return value
        return None if pd.isna(value) else values[name].get(int(value), value)

    plain = [{name: decoded(name, value) for name, value in columns_of(item).items()} for item in sample]
    return [row if isinstance(item, dict) else row[column] for item, row in zip(sample, plain)]


def _values_of_codes(warehouse: DuckDBResource, suite: TableSuite, wanted: dict[str, set[int]]) -> dict[str, dict]:
    with duckdb.connect(warehouse.database, read_only=True, config=warehouse.connection_config) as con:
        return {name: dict(con.execute(
            f"select distinct code, {quote(name)} from (select {quote(name)}, {_code(name)} as code "
            f"from {suite.relation}) where code in (select unnest(?::bigint[]))", [sorted(codes)]).fetchall())
            for name, codes in wanted.items()}


def _code(column: str, kind: str = "rank") -> str:
    """A stand-in for the column's values that the identity tests judge the same way; null stays null.

    `rank`: the dense rank (equal values share a code, unequal ones never do); `hash`: a 64-bit hash
    (unequal values almost never share one); `presence`: 0 for any value.
    """
    code = {"rank": f"dense_rank() over (order by {quote(column)})",
            "hash": f"(hash({quote(column)})::hugeint - 9223372036854775808)::bigint",
            "presence": "0"}[kind]
    return f"case when {quote(column)} is null then null else {code} end"


def _lookup(column: str, parent: tuple[str, str]) -> str:
    """The value where `parent` holds an equal key, else null: DuckDB's semi join, not a value set in GX."""
    model, key = parent
    # Qualified: an unknown key column must fail, not bind to the outer table's column of that name.
    keys = f"select p.{quote(key)} from {Relation(MODEL_SCHEMA, model)} as p"
    return f"case when {quote(column)} in ({keys}) then {quote(column)} end"


def _text_columns(con, relation: Relation, candidates: frozenset[str], suite: TableSuite) -> frozenset[str]:
    if not candidates:
        return frozenset()
    names = sorted(candidates)
    try:
        types = con.sql(f"select {', '.join(quote(c) for c in names)} from {relation} limit 0").types
    except duckdb.Error as error:
        raise RuntimeError(f"checks of {suite.where} could not read {', '.join(names)} from {relation}: {error}") from error
    return frozenset(name for name, kind in zip(names, types) if str(kind) in CODED_TYPES)


def _select(
    con: duckdb.DuckDBPyConnection,
    relation: Relation,
    columns: tuple[str, ...],
    suite: TableSuite,
    *,
    codes: dict[str, str] | None = None,
    lookups: dict[str, str] | None = None,
) -> pd.DataFrame:
    try:
        if not columns:
            # Row-count tests read no column: count in DuckDB rather than move rows into pandas.
            import pandas as pd

            (count,) = con.execute(f"select count(*) from {relation}").fetchone()
            return pd.DataFrame(index=pd.RangeIndex(count))
        codes = codes or {}
        expressions = [f"{_code(c, codes[c])} as {quote(c)}" if c in codes else quote(c) for c in columns]
        expressions += [f"{expression} as {quote(name)}" for name, expression in (lookups or {}).items()]
        return con.execute(f"select {', '.join(expressions)} from {relation}").df()
    except duckdb.Error as error:
        looked_up = "".join(f", the keys of {name}" for name in lookups or {})
        raise RuntimeError(
            f"checks of {suite.where} could not read "
            f"{', '.join(columns) or 'the row count'}{looked_up} from {relation}: {error}"
        ) from error
