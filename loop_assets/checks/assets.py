"""The asset check factory: one multi-check per model or source table, one check per YAML data test."""

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from loop_assets.checks.metadata import check_metadata
from loop_assets.checks.read import SuiteInputs, decode_sample, read_suite_inputs
from loop_assets.checks.suite import TableSuite, plan_suites
from loop_assets.checks.validate import Outcome, validate_frame
from loop_assets.transform.project import load_project
from loop_assets.warehouse import POOL


Automation = Callable[[dg.AssetKey], dg.AutomationCondition]


def build_model_checks(project_dir: Path, *, vars: dict | None = None,
                       automation: Automation | None = None) -> list[dg.AssetChecksDefinition]:
    """Asset checks for every YAML data test of the project at `project_dir`; parses files only.

    `automation` gives each check the condition declarative automation requests it under, from its asset's key.
    """
    project = load_project(project_dir, vars=vars)
    return [_table_checks(suite, automation) for suite in plan_suites(project)]


def _table_checks(suite: TableSuite, automation: Automation | None) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(list(suite.asset_key))
    condition = automation(asset_key) if automation else None
    # Op names allow letters, digits and underscores only.
    table = re.sub(r"\W", "_", "__".join(suite.asset_key))
    specs = [
        dg.AssetCheckSpec(
            check.name,
            asset=asset_key,
            description=check.description,
            blocking=check.blocking,
            # A relationships check reads its parent model too, so it runs after the parent is built.
            additional_deps=[dg.AssetKey([check.expectation.parent[0]])] if check.expectation.parent else None,
            metadata={"yaml_test": suite.where},
            automation_condition=condition,
        )
        for check in suite.checks
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"{table}__data_tests",
        description=f"YAML data tests of {table}, validated by Great Expectations in one run",
        pool=POOL,
    )
    def table_checks(warehouse: DuckDBResource):
        import pandas as pd

        now = pd.Timestamp.now(tz="UTC")
        inputs = read_suite_inputs(warehouse, suite)
        run_kwargs, outcomes = _validate(suite, inputs, now)
        failed = {column for check, outcome in zip(suite.checks, outcomes) if not outcome.success
                  for column in check.expectation.columns}
        if inputs.needs_exact_codes(failed):
            inputs = read_suite_inputs(warehouse, suite, exact=True)
            run_kwargs, outcomes = _validate(suite, inputs, now)
        for check, kwargs, outcome in zip(suite.checks, run_kwargs, outcomes):
            sample = outcome.result.get("partial_unexpected_list")
            if sample and inputs.coded:
                # Equal expectations share one outcome: decode into a copy.
                outcome = replace(outcome, result={**outcome.result, "partial_unexpected_list": decode_sample(
                    warehouse, suite, inputs.coded, check.expectation.kwargs.get("column"), sample)})
            yield dg.AssetCheckResult(
                check_name=check.name,
                asset_key=asset_key,
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
                metadata=check_metadata(check.expectation, kwargs, outcome),
            )

    return table_checks


def _validate(suite: TableSuite, inputs: SuiteInputs, now) -> tuple[list[dict], list[Outcome]]:
    """Each check's run kwargs and GX outcome, in the suite's order."""
    run_kwargs = [check.expectation.run_kwargs(inputs.frame, now) for check in suite.checks]
    outcomes = validate_frame(
        inputs.frame, [(check.expectation.type, kwargs) for check, kwargs in zip(suite.checks, run_kwargs)]
    )
    return run_kwargs, outcomes
