"""Load-time behaviour of the checks: names, severity and blocking, and errors that name the YAML test."""

import subprocess
import sys

import dagster as dg
import pytest

from loop_assets.checks.assets import build_model_checks
from loop_assets.transform.errors import ModelError
from loop_assets_tests.checks.conftest import CRM_PROJECT


def _specs() -> dict[str, dg.AssetCheckSpec]:
    return {
        f"{spec.asset_key.to_user_string()}:{spec.name}": spec
        for checks in build_model_checks(CRM_PROJECT)
        for spec in checks.check_specs
    }


def _one_model_project(write_project, tests_yaml: str):
    return write_project(
        {
            "marts/accounts.sql": "select 1 as account_id",
            "marts/accounts.yml": "models:\n  - name: accounts\n    columns:\n      - name: account_id\n"
            "        data_tests:\n" + tests_yaml,
        }
    )


def test_checks_of_a_model_run_as_one_multi_check_per_model():
    names = sorted(checks.node_def.name for checks in build_model_checks(CRM_PROJECT))

    assert names == ["accounts__data_tests", "stg_accounts__data_tests", "stg_orders__data_tests"]


def test_tests_on_marts_block_by_default_and_tests_elsewhere_warn():
    specs = _specs()

    assert specs["accounts:unique__account_id"].blocking
    assert specs["accounts:recency__updated_at"].blocking
    assert not specs["stg_accounts:not_null__account_id"].blocking
    assert not specs["stg_orders:relationships__account_id__stg_accounts"].blocking


def test_an_explicit_severity_overrides_the_layer_default():
    specs = _specs()

    assert specs["stg_orders:unique__order_id"].blocking  # severity: error in staging
    assert not specs["accounts:accepted_values__region"].blocking  # severity: warn in marts


def test_results_carry_the_severity_of_their_test(bad_run):
    severities = {e.check_name: e.severity for e in bad_run.get_asset_check_evaluations()}

    assert severities["unique__account_id"] == dg.AssetCheckSeverity.ERROR
    assert severities["accepted_values__tier"] == dg.AssetCheckSeverity.WARN
    assert severities["accepted_values__region"] == dg.AssetCheckSeverity.WARN


def test_a_relationships_check_depends_on_the_model_it_points_to():
    spec = _specs()["stg_orders:relationships__account_id__stg_accounts"]

    assert [dep.asset_key for dep in spec.additional_deps] == [dg.AssetKey(["stg_accounts"])]


def test_an_unknown_test_name_fails_at_load_naming_the_file_the_model_and_the_supported_tests(write_project):
    project = _one_model_project(write_project, "          - dbt_utils.not_empty_string\n")

    with pytest.raises(ModelError) as error:
        build_model_checks(project)

    message = str(error.value)
    assert str(project / "marts" / "accounts.yml") in message
    assert "model 'accounts' column 'account_id'" in message
    assert "'dbt_utils.not_empty_string' is not supported" in message
    assert "not_null, unique, accepted_values, relationships, accepted_range" in message


@pytest.mark.parametrize(
    ("tests_yaml", "expected"),
    [
        ("          - accepted_values\n", "missing argument(s) values"),
        ("          - accepted_range:\n              minimum: 0\n", "unknown argument(s) minimum"),
        ("          - relationships:\n              to: ref('acounts')\n              field: id\n",
         "unknown model 'acounts'; closest: accounts"),
        ("          - relationships:\n              to: source('crm', 'accounts')\n              field: id\n",
         "'to' must be ref('<model>')"),
        ("          - unique:\n              config:\n                severity: fatal\n", "is not one of warn, error"),
        ("          - unique:\n              config:\n                where: 'x > 1'\n", "config where is not supported"),
    ],
    ids=["missing_argument", "unknown_argument", "unknown_parent_model", "parent_not_a_ref", "bad_severity",
         "unsupported_config"],
)
def test_a_malformed_test_fails_at_load_with_the_reason(write_project, tests_yaml, expected):
    project = _one_model_project(write_project, tests_yaml)

    with pytest.raises(ModelError, match="accounts.yml: model 'accounts' column 'account_id'") as error:
        build_model_checks(project)

    assert expected in str(error.value)


def test_importing_the_checks_layer_does_not_import_great_expectations_or_pandas():
    code = (
        "import sys, loop_assets.checks.assets, loop_assets.checks.validate;"
        "print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False False"
