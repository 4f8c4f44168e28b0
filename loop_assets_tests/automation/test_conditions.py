"""Declarative automation on the real asset graph: exactly the downstream of a change runs, failed checks stop it."""

from __future__ import annotations

import warnings

import dagster as dg
import pytest

from loop_assets.definitions import defs

GRAPH = defs.resolve_asset_graph()
SEGMENT = dg.AssetKey(["raw", "segment__events"])
DAYS = ["2026-11-27", "2026-11-28"]


@pytest.fixture
def settled():
    """An instance where every asset is materialized and every check passed, and the baseline evaluation."""
    instance = dg.DagsterInstance.ephemeral()
    for key in GRAPH.get_all_asset_keys():
        for partition in DAYS if GRAPH.get(key).partitions_def else [None]:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    for check in GRAPH.asset_check_keys:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(asset_key=check.asset_key, check_name=check.name, passed=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        baseline = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert baseline.total_requested == 0
    return instance, baseline.cursor


def requested_entities(instance, cursor) -> set[dg.AssetKey | dg.AssetCheckKey]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    return {r.key for r in result.results if r.true_subset.size}


def requested(instance, cursor) -> set[dg.AssetKey]:
    return {key for key in requested_entities(instance, cursor) if isinstance(key, dg.AssetKey)}


def downstream_of(key: dg.AssetKey) -> set[dg.AssetKey]:
    return set(dg.AssetSelection.assets(key).downstream().resolve(GRAPH)) - {key}


@pytest.mark.parametrize("raw", ["zendesk__tickets", "stripe__customers", "zendesk__organizations"])
def test_a_new_raw_extract_requests_exactly_its_downstream_models(settled, raw):
    instance, cursor = settled
    key = dg.AssetKey(["raw", raw])
    instance.report_runless_asset_event(dg.AssetMaterialization(key))
    wanted = downstream_of(key)
    assert wanted, f"nothing reads {key.to_user_string()}"
    assert requested(instance, cursor) == wanted
    assert requested(instance, cursor) - wanted == set()  # nothing unaffected runs


def test_a_new_segment_day_requests_the_models_reading_events_despite_days_never_extracted(settled):
    instance, cursor = settled
    instance.report_runless_asset_event(dg.AssetMaterialization(SEGMENT, partition=DAYS[-1]))
    assert requested(instance, cursor) == downstream_of(SEGMENT)


def test_every_requested_model_has_its_data_tests_requested_in_the_same_tick(settled):
    """Dagster 1.13 runs only the requested checks once any check is requested: a data test left out never runs."""
    instance, cursor = settled
    instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(["raw", "stripe__customers"])))
    entities = requested_entities(instance, cursor)
    assets = {key for key in entities if isinstance(key, dg.AssetKey)}
    # A sync yields its own checks from its step; every other check is a YAML data test.
    data_tests = {c for c in GRAPH.get_check_keys_for_assets(assets) if GRAPH.get(c.asset_key).group_name != "sync"}
    assert entities - assets == data_tests
    assert dg.AssetKey(["account_priority"]) in {c.asset_key for c in data_tests}


def test_nothing_changed_requests_nothing(settled):
    instance, cursor = settled
    assert requested(instance, cursor) == set()


def test_a_failed_blocking_check_stops_the_chain_at_the_checked_model(settled):
    instance, cursor = settled
    blocking = next(c for c in GRAPH.asset_check_keys
                    if GRAPH.get(c).blocking and downstream_of(c.asset_key))
    instance.report_runless_asset_event(dg.AssetMaterialization(blocking.asset_key))
    instance.report_runless_asset_event(dg.AssetCheckEvaluation(
        asset_key=blocking.asset_key, check_name=blocking.name, passed=False, severity=dg.AssetCheckSeverity.ERROR))
    assert requested(instance, cursor) == set()
    # Once the data is fixed and the check passes, the chain continues.
    instance.report_runless_asset_event(dg.AssetCheckEvaluation(
        asset_key=blocking.asset_key, check_name=blocking.name, passed=True))
    instance.report_runless_asset_event(dg.AssetMaterialization(blocking.asset_key))
    assert requested(instance, cursor) == downstream_of(blocking.asset_key)


def test_extracts_are_left_to_the_sensors_and_every_other_asset_is_automated():
    for key in GRAPH.get_all_asset_keys():
        node = GRAPH.get(key)
        assert (node.automation_condition is None) == (node.group_name == "raw"), key.to_user_string()


def test_the_whole_chain_is_requested_in_one_tick_before_any_check_has_run():
    instance = dg.DagsterInstance.ephemeral()
    for key in GRAPH.get_all_asset_keys():
        for partition in DAYS if GRAPH.get(key).partitions_def else [None]:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance).cursor
    key = dg.AssetKey(["raw", "zendesk__tickets"])
    instance.report_runless_asset_event(dg.AssetMaterialization(key))
    assert requested(instance, cursor) == downstream_of(key)
