"""Fixtures for the checks layer: the crm project run once on good data and once on bad data."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from loop_assets.checks.assets import build_model_checks
from loop_assets.transform.assets import build_model_assets

CRM_PROJECT = Path(__file__).parent / "projects" / "crm"
NOW = datetime.now(timezone.utc)
GOOD_ACCOUNTS = [("a1", "free", 100, "eu", NOW), ("a2", "pro", 200, "us", NOW - timedelta(hours=1))]
GOOD_ORDERS = [("o1", "a1"), ("o2", "a2"), ("o3", None)]
# Every test of the project fails on these rows.
BAD_ACCOUNTS = [
    ("a1", "free", 100, "eu", NOW - timedelta(days=3)),
    ("a1", "gold", -5, "eu", NOW - timedelta(days=5)),
    (None, "pro", 300, "mars", NOW - timedelta(days=10)),
]
BAD_ORDERS = [("o1", "a1"), ("o1", "zz")]


def write_crm_warehouse(path: Path, accounts: list[tuple], orders: list[tuple]) -> Path:
    """A DuckDB file with the raw CRM tables the crm project reads."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.crm__accounts (account_id varchar, tier varchar, arr integer, region varchar,"
            " updated_at timestamptz)"
        )
        con.executemany("insert into raw.crm__accounts values (?, ?, ?, ?, ?)", accounts)
        con.execute("create table raw.crm__orders (order_id varchar, account_id varchar)")
        con.executemany("insert into raw.crm__orders values (?, ?)", orders)
    return path


def materialize_crm(warehouse: Path) -> dg.ExecuteInProcessResult:
    """Build every crm model and run its checks in one run, as Dagster would."""
    return dg.materialize(
        [*build_model_assets(CRM_PROJECT), *build_model_checks(CRM_PROJECT)],
        resources={"warehouse": DuckDBResource(database=str(warehouse))},
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def good_run(tmp_path_factory) -> dg.ExecuteInProcessResult:
    path = tmp_path_factory.mktemp("good") / "w.duckdb"
    return materialize_crm(write_crm_warehouse(path, GOOD_ACCOUNTS, GOOD_ORDERS))


@pytest.fixture(scope="session")
def bad_run(tmp_path_factory) -> dg.ExecuteInProcessResult:
    path = tmp_path_factory.mktemp("bad") / "w.duckdb"
    return materialize_crm(write_crm_warehouse(path, BAD_ACCOUNTS, BAD_ORDERS))


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    """Check evaluations of a run by `<asset>:<check name>`."""
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e for e in result.get_asset_check_evaluations()
    }

