"""Run a model's expectations with Great Expectations on a pandas frame, in one validation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# GX's SQL datasource has no DuckDB dialect (see README): validate the frame read from DuckDB instead.
SUITE_NAME = "model"


@dataclass(frozen=True)
class Outcome:
    """One expectation's verdict and GX's result dict (unexpected_count, partial_unexpected_list, ...)."""

    success: bool
    result: dict
    error: str | None


def validate_frame(frame: pd.DataFrame, expectations: list[tuple[str, dict]]) -> list[Outcome]:
    """The outcome of each (expectation type, kwargs), in the order given."""
    # Imported here: great_expectations takes ~5 s to import and every Dagster step imports the code location.
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas(SUITE_NAME)
        .add_dataframe_asset(SUITE_NAME)
        .add_batch_definition_whole_dataframe(SUITE_NAME)
    )
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    # A suite is a set: equal expectations (say `row_count` and its dbt_expectations twin) share one result.
    identities = [_identity(expectation) for expectation in expectations]
    distinct = dict(zip(identities, expectations))
    for position, (expectation_type, kwargs) in enumerate(distinct.values()):
        # GX reports results in its own order; `meta` carries each expectation's place back.
        configuration = ExpectationConfiguration(type=expectation_type, kwargs=kwargs, meta={"position": position})
        suite.add_expectation(configuration.to_domain_obj())
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(suite, result_format="SUMMARY")
    outcomes: dict[int, Outcome] = {}
    for result in validation.results:
        outcomes[result.expectation_config.meta["position"]] = Outcome(
            success=bool(result.success), result=dict(result.result or {}), error=_error_message(result.exception_info)
        )
    positions = {identity: position for position, identity in enumerate(distinct)}
    return [outcomes[positions[identity]] for identity in identities]


def _identity(expectation: tuple[str, dict]) -> str:
    expectation_type, kwargs = expectation
    return json.dumps([expectation_type, kwargs], sort_keys=True, default=str)


def _error_message(exception_info: dict | None) -> str | None:
    if not exception_info:
        return None
    if exception_info.get("raised_exception"):
        return exception_info.get("exception_message")
    # A metric that fails to compute is reported keyed by metric, not at the top level.
    nested = [info for info in exception_info.values() if isinstance(info, dict) and info.get("raised_exception")]
    return nested[0].get("exception_message") if nested else None
