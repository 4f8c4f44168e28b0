"""How the checks read: identity columns as hashes (exact ranks when a failure asks), relationships as lookups."""

from collections import Counter
from dataclasses import replace

import dagster as dg
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from loop_assets.checks.read import read_suite_inputs
from loop_assets.checks.suite import plan_suites
from loop_assets.transform.assets import build_model_assets
from loop_assets.transform.project import load_project
from loop_assets_tests.checks.conftest import BAD_ACCOUNTS, BAD_ORDERS, CRM_PROJECT, write_crm_warehouse


def equality_pattern(column: pd.Series) -> tuple[int, list[int]]:
    """Nulls, and how many rows share each non-null code: what the identity tests see of a column."""
    return int(column.isna().sum()), sorted(Counter(column.dropna().tolist()).values())


@pytest.fixture
def bad_crm(tmp_path) -> tuple[DuckDBResource, dict]:
    """The crm models built on the bad rows, and the project's suites by asset key."""
    warehouse = DuckDBResource(database=str(write_crm_warehouse(tmp_path / "w.duckdb", BAD_ACCOUNTS, BAD_ORDERS)))
    dg.materialize(build_model_assets(CRM_PROJECT), resources={"warehouse": warehouse})
    return warehouse, {suite.asset_key: suite for suite in plan_suites(load_project(CRM_PROJECT))}


def test_identity_columns_are_read_as_hashes_or_presence_and_exactly_on_request(bad_crm):
    warehouse, suites = bad_crm

    # accounts.account_id is a1, a1, null: unique and not_null tests read it as codes.
    hashed = read_suite_inputs(warehouse, suites[("accounts",)])
    exact = read_suite_inputs(warehouse, suites[("accounts",)], exact=True)
    assert hashed.hashed == {"account_id"} and exact.hashed == frozenset()
    assert equality_pattern(hashed.frame["account_id"]) == equality_pattern(exact.frame["account_id"]) == (1, [2])
    assert set(exact.frame["account_id"].dropna()) == {1}
    assert hashed.needs_exact_codes({"account_id"}) and not exact.needs_exact_codes({"account_id"})
    # A column the tests read as values stays values.
    assert set(hashed.frame["region"]) == {"eu", "mars"}

    # stg_accounts.account_id has only a not_null test: presence is all that is read, exactly.
    presence = read_suite_inputs(warehouse, suites[("stg_accounts",)])
    assert equality_pattern(presence.frame["account_id"]) == (1, [2])
    assert set(presence.frame["account_id"].dropna()) == {0}
    assert not presence.needs_exact_codes({"account_id"})


def test_a_relationships_lookup_holds_each_value_its_parent_has_and_null_for_an_orphan(bad_crm):
    warehouse, suites = bad_crm
    orders = suites[("stg_orders",)]

    frame = read_suite_inputs(warehouse, orders).frame
    assert frame.sort_values("account_id")["account_id -> stg_accounts.account_id"].tolist() == ["a1", None]

    # A misspelt parent column is an error, not a lookup that binds to the tested table's own column.
    [check] = [c for c in orders.checks if c.expectation.parent]
    misspelt = replace(check, expectation=replace(check.expectation, parent=("stg_accounts", "acount_id")))
    with pytest.raises(RuntimeError, match="read account_id, the keys of account_id -> stg_accounts.acount_id from"):
        read_suite_inputs(warehouse, replace(orders, checks=(misspelt,)))
