"""Column lineage parsed from compiled SQL: plain selects, aliases, CTE chains, joins and aggregates."""

import pytest

from loop_assets.transform.lineage import column_lineage
from loop_assets.transform.project import load_project
from loop_assets.transform.relation import Relation
from loop_assets_tests.transform.conftest import SHOP_PROJECT

CUSTOMERS = Relation("main", "stg_stripe__customers")
CHARGES = Relation("main", "int_charges_paid")
RAW_CHARGES = Relation("raw", "stripe__charges")


def test_join_and_aggregate_columns_trace_to_their_upstream_columns():
    sql = load_project(SHOP_PROJECT).compile("customer_revenue")
    upstream = {CUSTOMERS: ["customer_id", "email"], CHARGES: ["charge_id", "customer_id", "amount", "status"]}

    lineage = column_lineage(sql, upstream, ["customer_id", "customer_email", "paid_charges", "revenue"])

    assert lineage == {
        "customer_id": [(CUSTOMERS, "customer_id")],
        "customer_email": [(CUSTOMERS, "email")],
        "paid_charges": [],
        "revenue": [(CHARGES, "amount")],
    }


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select id as charge_id from raw.stripe__charges", [(RAW_CHARGES, "id")]),
        (
            "with a as (select * from raw.stripe__charges), b as (select id * 2 as charge_id from a) select * from b",
            [(RAW_CHARGES, "id")],
        ),
        (
            "select c.id || x.customer as charge_id from raw.stripe__charges c join raw.stripe__charges x using (id)",
            [(RAW_CHARGES, "id"), (RAW_CHARGES, "customer")],
        ),
    ],
    ids=["aliased column", "cte chain with star", "expression over a self join"],
)
def test_column_lineage_follows_aliases_and_ctes(sql, expected):
    lineage = column_lineage(sql, {RAW_CHARGES: ["id", "customer", "amount"]}, ["charge_id"])

    assert sorted(lineage["charge_id"], key=str) == sorted(expected, key=str)
