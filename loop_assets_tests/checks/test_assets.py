"""The crm project's YAML tests run as asset checks: verdicts, GX details in metadata, blocking in a run."""

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from loop_assets.checks.assets import build_model_checks
from loop_assets_tests.checks.conftest import BAD_ACCOUNTS, BAD_ORDERS, evaluations, write_crm_warehouse

# (check key, GX expectation, unexpected count on the bad rows, sample of unexpected values)
ROW_CHECKS = [
    ("stg_accounts:not_null__account_id", "expect_column_values_to_not_be_null", 1, [None]),
    ("stg_accounts:accepted_values__tier", "expect_column_values_to_be_in_set", 1, ["gold"]),
    ("stg_orders:unique__order_id", "expect_column_values_to_be_unique", 2, ["o1", "o1"]),
    ("stg_orders:relationships__account_id__stg_accounts", "expect_column_pair_values_to_be_equal", 1, ["zz"]),
    ("accounts:unique__account_id", "expect_column_values_to_be_unique", 2, ["a1", "a1"]),
    ("accounts:not_null__account_id", "expect_column_values_to_not_be_null", 1, [None]),
    ("accounts:accepted_range__arr", "expect_column_values_to_be_between", 1, [-5]),
    ("accounts:accepted_values__region", "expect_column_values_to_be_in_set", 1, ["mars"]),
    (
        "accounts:unique_combination_of_columns__account_id__region",
        "expect_compound_columns_to_be_unique",
        2,
        [{"account_id": "a1", "region": "eu"}] * 2,
    ),
]
# (check key, GX expectation, observed value on the bad rows)
TABLE_CHECKS = [
    ("accounts:row_count", "expect_table_row_count_to_be_between", 3),
    ("accounts:expect_table_row_count_to_be_between", "expect_table_row_count_to_be_between", 3),
    ("accounts:recency__updated_at", "expect_column_max_to_be_between", None),
]
ALL_CHECKS = [row[0] for row in ROW_CHECKS + TABLE_CHECKS]


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_every_yaml_test_passes_on_good_rows(good_run, check):
    evaluation = evaluations(good_run)[check]

    assert evaluation.passed, evaluation.metadata


def test_every_yaml_test_of_the_project_ran_as_a_check(good_run):
    assert sorted(evaluations(good_run)) == sorted(ALL_CHECKS)


@pytest.mark.parametrize(
    ("check", "expectation", "unexpected_count", "sample"), ROW_CHECKS, ids=[row[0] for row in ROW_CHECKS]
)
def test_a_failing_row_test_reports_gx_counts_and_a_sample(bad_run, check, expectation, unexpected_count, sample):
    evaluation = evaluations(bad_run)[check]
    metadata = {key: value.value for key, value in evaluation.metadata.items()}

    assert not evaluation.passed
    assert metadata["expectation_type"] == expectation
    assert metadata["unexpected_count"] == unexpected_count
    assert metadata["unexpected_percent"] > 0
    assert metadata["sample"] == sample


@pytest.mark.parametrize(("check", "expectation", "observed"), TABLE_CHECKS, ids=[row[0] for row in TABLE_CHECKS])
def test_a_failing_table_test_reports_the_observed_value(bad_run, check, expectation, observed):
    evaluation = evaluations(bad_run)[check]
    metadata = {key: value.value for key, value in evaluation.metadata.items()}

    assert not evaluation.passed
    assert metadata["expectation_type"] == expectation
    if observed is not None:
        assert metadata["observed_value"] == observed


def test_check_metadata_carries_the_expectation_kwargs(bad_run):
    checks = evaluations(bad_run)

    arr = checks["accounts:accepted_range__arr"].metadata["expectation_kwargs"].value
    assert arr == {"column": "arr", "min_value": 0, "max_value": 1000000, "strict_min": False, "strict_max": False}
    # The parent's keys are looked up in DuckDB, not copied into the kwargs.
    orphans = checks["stg_orders:relationships__account_id__stg_accounts"].metadata["expectation_kwargs"].value
    assert orphans == {"column_A": "account_id", "column_B": "account_id -> stg_accounts.account_id",
                       "ignore_row_if": "both_values_are_missing"}
    recency = checks["accounts:recency__updated_at"].metadata
    assert recency["observed_value"].value < recency["expectation_kwargs"].value["min_value"]


def test_a_failing_blocking_check_on_a_mart_stops_its_downstream_asset_in_the_same_run(bad_run, good_run):
    built = {event.asset_key.to_user_string() for event in bad_run.get_asset_materialization_events()}

    assert not evaluations(bad_run)["accounts:unique__account_id"].passed
    assert "accounts" in built
    assert "account_tiers" not in built
    assert "account_tiers" in {e.asset_key.to_user_string() for e in good_run.get_asset_materialization_events()}


def test_a_failing_warn_check_does_not_stop_downstream_assets(bad_run):
    built = {event.asset_key.to_user_string() for event in bad_run.get_asset_materialization_events()}

    assert not evaluations(bad_run)["stg_accounts:accepted_values__tier"].passed
    assert "accounts" in built


def test_a_test_on_a_source_table_checks_the_raw_asset_and_warns(write_project, tmp_path):
    project = write_project(
        {
            "sources.yml": """
                sources:
                  - name: crm
                    schema: raw
                    tables:
                      - name: accounts
                        identifier: crm__accounts
                        columns:
                          - name: account_id
                            data_tests: [not_null]
            """
        }
    )

    @dg.asset(key=["raw", "crm__accounts"])
    def landed_accounts():
        """Stands in for the extract layer: the fixture has already written the raw table."""

    warehouse = write_crm_warehouse(tmp_path / "w.duckdb", BAD_ACCOUNTS, BAD_ORDERS)
    result = dg.materialize(
        [landed_accounts, *build_model_checks(project)],
        resources={"warehouse": DuckDBResource(database=str(warehouse))},
    )

    evaluation = evaluations(result)["raw/crm__accounts:not_null__account_id"]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["unexpected_count"].value == 1
