"""YAML data tests of models and sources as named checks: expectation, severity, whether it blocks."""

import difflib
import re
from dataclasses import dataclass

from loop_assets.checks.tests import SUPPORTED_TESTS, ArgumentError, Expectation, base_name, expectation_for
from loop_assets.transform.docs import ColumnDoc, DataTest
from loop_assets.transform.errors import ModelError
from loop_assets.transform.project import Project
from loop_assets.transform.relation import Relation

# Marts feed the reverse syncs: bad rows there must not reach the apps.
BLOCKING_LAYER = "marts"
SEVERITIES = ("warn", "error")
# Expectations that hold of a column exactly when they hold of any one-to-one coding of its values.
NOT_NULL = "expect_column_values_to_not_be_null"
IDENTITY_EXPECTATIONS = frozenset({NOT_NULL, "expect_column_values_to_be_unique",
                                   "expect_compound_columns_to_be_unique"})
SUPPORTED_CONFIG = ("severity",)


@dataclass(frozen=True)
class PlannedCheck:
    """One YAML data test, ready to become an asset check."""

    name: str
    test: str
    column: str | None
    expectation: Expectation
    blocking: bool

    @property
    def description(self) -> str:
        """What the check proves, as shown in the Dagster UI."""
        on = f" on {self.column}" if self.column else ""
        return f"dbt test {self.test}{on}, validated by Great Expectations' {self.expectation.type}"


@dataclass(frozen=True)
class TableSuite:
    """Every check of one model or source table; `where` names its YAML for error messages."""

    asset_key: tuple[str, ...]
    relation: Relation
    where: str
    checks: tuple[PlannedCheck, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns to read, in first-use order."""
        return tuple(dict.fromkeys(c for check in self.checks for c in check.expectation.columns))

    @property
    def identity_columns(self) -> frozenset[str]:
        """Columns whose every test looks only at equality and nulls: their values may be read as codes."""
        return frozenset(column for column, types in self._types_by_column().items() if types <= IDENTITY_EXPECTATIONS)

    @property
    def presence_columns(self) -> frozenset[str]:
        """Columns whose only test is not_null: whether a value is there is all the tests need."""
        return frozenset(column for column, types in self._types_by_column().items() if types == {NOT_NULL})

    def _types_by_column(self) -> dict[str, set[str]]:
        kinds: dict[str, set[str]] = {}
        for check in self.checks:
            for column in check.expectation.columns:
                kinds.setdefault(column, set()).add(check.expectation.type)
        return kinds


def plan_suites(project: Project) -> list[TableSuite]:
    """The suites of every model and source table with data tests; a bad test names its YAML file."""
    suites = []
    for model in project.models.values():
        where = f"{model.doc.yml_path if model.doc else model.path}: model '{model.name}'"
        blocking = model.layer == BLOCKING_LAYER
        suites.append(
            _plan_suite(project, (model.name,), model.relation, where, model.columns, model.tests, blocking)
        )
    for table in project.sources.values():
        where = f"source '{table.source_name}' table '{table.name}'"
        suites.append(_plan_suite(project, table.asset_key, table.relation, where, table.columns, table.tests, False))
    return [suite for suite in suites if suite.checks]


def _plan_suite(
    project: Project,
    asset_key: tuple[str, ...],
    relation: Relation,
    where: str,
    columns: dict[str, ColumnDoc],
    tests: tuple[DataTest, ...],
    blocking: bool,
) -> TableSuite:
    written = [(column.name, test) for column in columns.values() for test in column.tests]
    written += [(None, test) for test in tests]
    checks: dict[str, PlannedCheck] = {}
    for column, test in written:
        check = _plan_check(project, where + (f" column '{column}'" if column else ""), column, test, blocking)
        if check.name in checks:
            raise ModelError(f"{where}: test '{test.name}' is written twice on the same columns ('{check.name}')")
        checks[check.name] = check
    return TableSuite(asset_key=asset_key, relation=relation, where=where, checks=tuple(checks.values()))


def _plan_check(project: Project, where: str, column: str | None, test: DataTest, blocking: bool) -> PlannedCheck:
    if base_name(test.name) not in SUPPORTED_TESTS:
        raise ModelError(
            f"{where}: data test '{test.name}' is not supported; supported tests: {', '.join(SUPPORTED_TESTS)}"
        )
    try:
        expectation = expectation_for(test.name, test.arguments, column)
    except ArgumentError as error:
        raise ModelError(f"{where}: data test '{test.name}': {error}") from error
    if expectation.parent and expectation.parent[0] not in project.models:
        closest = difflib.get_close_matches(expectation.parent[0], list(project.models), n=3, cutoff=0.5)
        raise ModelError(
            f"{where}: data test '{test.name}' refers to unknown model '{expectation.parent[0]}'"
            + (f"; closest: {', '.join(closest)}" if closest else "")
        )
    parts = [base_name(test.name), *([column] if column else []), *expectation.name_parts]
    return PlannedCheck(
        # Dagster check names allow letters, digits and underscores only.
        name=re.sub(r"\W", "_", "__".join(parts)),
        test=test.name,
        column=column,
        expectation=expectation,
        blocking=_blocking(test, where, blocking),
    )


def _blocking(test: DataTest, where: str, by_default: bool) -> bool:
    unknown = sorted(set(test.config) - set(SUPPORTED_CONFIG))
    if unknown:
        raise ModelError(
            f"{where}: data test '{test.name}' config {', '.join(unknown)} is not supported; "
            f"supported: {', '.join(SUPPORTED_CONFIG)}"
        )
    severity = str(test.config.get("severity", "")).lower()
    if not severity:
        return by_default
    if severity not in SEVERITIES:
        raise ModelError(f"{where}: data test '{test.name}' severity {severity!r} is not one of warn, error")
    return severity == "error"
