"""Declarative re-runs: a model or sync runs when something it reads changed, and only after its inputs' checks pass."""

from __future__ import annotations

import dagster as dg

# Raw extracts run when their app changes (the sensors), not when something upstream does.
SENSOR_DRIVEN_GROUPS = frozenset({"raw"})


def downstream_condition(partitioned: dg.AssetSelection) -> dg.AutomationCondition:
    """`eager()`, except that it holds while an input's latest blocking check failed, and a daily-partitioned
    input is never "missing" just because days before the data began were never extracted.

    Not `all_deps_blocking_checks_passed()`: checks are requested in the same tick as their asset
    (`with_its_asset`), so it would hold each layer until the run of the layer before had finished (one tick
    per layer). Within a run, a failed blocking check already stops the steps after it; this stops the next ticks.
    """
    failed_blocking_check = dg.AutomationCondition.any_checks_match(
        dg.AutomationCondition.check_failed(), blocking_only=True)
    return (
        dg.AutomationCondition.in_latest_time_window()
        & (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing().ignore(partitioned)
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & ~dg.AutomationCondition.any_deps_match(failed_blocking_check)
    ).with_label("eager, unless an input's blocking check failed")


def with_its_asset(asset_key: dg.AssetKey) -> dg.AutomationCondition:
    """A data test's condition: requested exactly when its asset is, so it runs in the asset's run.

    A check with no condition is meant to ride along, but Dagster 1.13 leaves every such check out of a run
    that also holds a check owned by a multi-asset (the syncs' own checks): the marts ran unchecked.
    """
    return (
        dg.AutomationCondition.any_deps_match(dg.AutomationCondition.will_be_requested())
        .allow(dg.AssetSelection.assets(asset_key))
        .with_label("when its asset is requested")
    )


def with_automation(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The same assets, every one outside the sensor-driven groups carrying `downstream_condition`."""
    partitioned = dg.AssetSelection.assets(*[key for a in assets if a.partitions_def for key in a.keys])
    condition = downstream_condition(partitioned)

    def automate(spec: dg.AssetSpec) -> dg.AssetSpec:
        if spec.group_name in SENSOR_DRIVEN_GROUPS:
            return spec
        return spec.replace_attributes(automation_condition=condition)

    return [a.map_asset_specs(automate) for a in assets]


automation_sensor = dg.AutomationConditionSensorDefinition(
    "loop_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Evaluating conditions reads only the instance's event log, so a short interval costs the apps nothing.
    minimum_interval_seconds=10,
    description="Runs models, checks and syncs downstream of whatever changed, and nothing else.",
)
