"""The supported dbt data tests, each turned into the Great Expectations expectation that proves it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# dbt_utils.recency's dateparts, as pandas DateOffset keywords (months and years vary in length).
DATEPARTS = {
    "second": "seconds",
    "minute": "minutes",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
    "month": "months",
    "year": "years",
}
REF = re.compile(r"""^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$""")


class ArgumentError(ValueError):
    """A supported test written with missing, unknown or malformed arguments."""


@dataclass(frozen=True)
class Expectation:
    """One GX expectation and what it needs from the warehouse when it runs.

    `parent` (model, column): read beside the tested column, as `lookup_column`, is the parent key each
    value equals, or null; GX expects the pair equal (a big `value_set` costs GX seconds per 10k values).
    `max_age` (datepart, interval): `min_value` becomes "now minus that age" at run time.
    """

    type: str
    kwargs: dict
    columns: tuple[str, ...]
    name_parts: tuple[str, ...] = ()
    parent: tuple[str, str] | None = None
    max_age: tuple[str, int] | None = None

    def run_kwargs(self, frame: pd.DataFrame, now: pd.Timestamp) -> dict:
        """The kwargs with their run-time values: the recency threshold."""
        kwargs = dict(self.kwargs)
        if self.max_age:
            kwargs["min_value"] = _oldest_allowed(now, self.max_age, frame[self.kwargs["column"]])
        return kwargs


@dataclass(frozen=True)
class SupportedTest:
    """How a dbt test name maps to an expectation; `needs_column` tests are written under a column."""

    build: Callable[[dict, str | None], Expectation]
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    needs_column: bool = False


def _oldest_allowed(now: pd.Timestamp, max_age: tuple[str, int], timestamps: pd.Series) -> pd.Timestamp:
    import pandas as pd

    datepart, interval = max_age
    oldest = now - pd.DateOffset(**{DATEPARTS[datepart]: interval})
    # Compare like with like: DuckDB's TIMESTAMPTZ arrives tz-aware, TIMESTAMP naive (by convention UTC).
    timezone = getattr(timestamps.dtype, "tz", None)
    return oldest.tz_convert(timezone) if timezone else oldest.tz_convert("UTC").tz_localize(None)


def _not_null(args: dict, column: str) -> Expectation:
    return Expectation("expect_column_values_to_not_be_null", {"column": column}, (column,))


def _unique(args: dict, column: str) -> Expectation:
    return Expectation("expect_column_values_to_be_unique", {"column": column}, (column,))


def _accepted_values(args: dict, column: str) -> Expectation:
    values = args["values"]
    if not isinstance(values, list) or not values:
        raise ArgumentError(f"'values' must be a non-empty list, not {values!r}")
    return Expectation("expect_column_values_to_be_in_set", {"column": column, "value_set": values}, (column,))


def _relationships(args: dict, column: str) -> Expectation:
    match = REF.match(str(args["to"]))
    if not match:
        raise ArgumentError(f"'to' must be ref('<model>'), not {args['to']!r}")
    parent = (match.group(1), str(args["field"]))
    # As in dbt, a null passes: a null value has a null lookup, and GX skips rows where both are missing.
    kwargs = {"column_A": column, "column_B": lookup_column(column, parent),
              "ignore_row_if": "both_values_are_missing"}
    return Expectation("expect_column_pair_values_to_be_equal", kwargs, (column,), name_parts=(parent[0],),
                       parent=parent)


def lookup_column(column: str, parent: tuple[str, str]) -> str:
    """The frame column holding, for each value of `column`, the equal key of `parent` (model, column) or null."""
    return f"{column} -> {'.'.join(parent)}"


def _accepted_range(args: dict, column: str) -> Expectation:
    # dbt_utils: bounds are inclusive unless `inclusive: false`.
    strict = args.get("inclusive", True) is False
    kwargs = {"column": column, **_bounds(args), "strict_min": strict, "strict_max": strict}
    return Expectation("expect_column_values_to_be_between", kwargs, (column,))


def _row_count(args: dict, column: str | None) -> Expectation:
    return Expectation("expect_table_row_count_to_be_between", _bounds(args), ())


def _recency(args: dict, column: str | None) -> Expectation:
    datepart, interval = str(args["datepart"]).lower(), args["interval"]
    if datepart not in DATEPARTS:
        raise ArgumentError(f"'datepart' must be one of {', '.join(DATEPARTS)}, not {datepart!r}")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 0:
        raise ArgumentError(f"'interval' must be a whole number of {datepart}s, not {interval!r}")
    timestamp = str(args["field"])
    return Expectation(
        "expect_column_max_to_be_between",
        {"column": timestamp},
        (timestamp,),
        name_parts=(timestamp,),
        max_age=(datepart, interval),
    )


def _unique_combination(args: dict, column: str | None) -> Expectation:
    columns = args["combination_of_columns"]
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise ArgumentError(f"'combination_of_columns' must be a list of column names, not {columns!r}")
    return Expectation(
        "expect_compound_columns_to_be_unique",
        # dbt_utils counts a null as a value of the combination; GX's default skips rows with all nulls.
        {"column_list": columns, "ignore_row_if": "never"},
        tuple(columns),
        name_parts=tuple(columns),
    )


def _bounds(args: dict) -> dict:
    bounds = {key: args[key] for key in ("min_value", "max_value") if args.get(key) is not None}
    if not bounds:
        raise ArgumentError("give 'min_value', 'max_value' or both")
    return bounds


ROW_COUNT = SupportedTest(_row_count, optional=frozenset({"min_value", "max_value"}))
# Keyed by the test name without its package prefix (`dbt_utils.accepted_range` -> `accepted_range`).
SUPPORTED_TESTS: dict[str, SupportedTest] = {
    "not_null": SupportedTest(_not_null, needs_column=True),
    "unique": SupportedTest(_unique, needs_column=True),
    "accepted_values": SupportedTest(_accepted_values, frozenset({"values"}), needs_column=True),
    "relationships": SupportedTest(_relationships, frozenset({"to", "field"}), needs_column=True),
    "accepted_range": SupportedTest(
        _accepted_range, optional=frozenset({"min_value", "max_value", "inclusive"}), needs_column=True
    ),
    "row_count": ROW_COUNT,
    "expect_table_row_count_to_be_between": ROW_COUNT,
    "recency": SupportedTest(_recency, frozenset({"field", "datepart", "interval"})),
    "unique_combination_of_columns": SupportedTest(_unique_combination, frozenset({"combination_of_columns"})),
}


def base_name(test_name: str) -> str:
    """The test name without a package prefix: dbt_utils.recency -> recency."""
    return test_name.rsplit(".", 1)[-1]


def expectation_for(test_name: str, arguments: dict, column: str | None) -> Expectation:
    """The expectation of one YAML test; raises KeyError for an unsupported name, ArgumentError for bad args."""
    kind = SUPPORTED_TESTS[base_name(test_name)]
    if kind.needs_column and column is None:
        raise ArgumentError("it checks a column: write it under the column's `data_tests:`")
    missing = sorted(kind.required - arguments.keys())
    unknown = sorted(arguments.keys() - kind.required - kind.optional)
    if missing or unknown:
        allowed = ", ".join(sorted(kind.required | kind.optional)) or "none"
        problems = []
        if missing:
            problems.append(f"missing argument(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown argument(s) {', '.join(unknown)}")
        raise ArgumentError(f"{'; '.join(problems)} (arguments: {allowed})")
    return kind.build(arguments, column)
