"""Model assets in Dagster: keys, groups, deps and kinds, and a materialized chain with its metadata."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from loop_assets.transform.assets import build_model_assets
from loop_assets_tests.transform.conftest import SHOP_PROJECT


def test_each_model_is_an_asset_grouped_by_layer_with_deps_from_ref_and_source():
    assets = {a.key.to_user_string(): a for a in build_model_assets(SHOP_PROJECT)}

    assert {key: a.group_names_by_key[a.key] for key, a in assets.items()} == {
        "stg_stripe__charges": "staging",
        "int_charges_paid": "intermediate",
        "stg_stripe__customers": "staging",
        "customer_revenue": "marts",
    }
    deps = {key: sorted(d.to_user_string() for d in a.asset_deps[a.key]) for key, a in assets.items()}
    assert deps["stg_stripe__charges"] == ["raw/stripe__charges"]
    assert deps["customer_revenue"] == ["int_charges_paid", "stg_stripe__customers"]
    revenue = assets["customer_revenue"]
    assert revenue.specs_by_key[revenue.key].kinds == {"sql", "duckdb"}
    assert revenue.descriptions_by_key[revenue.key] == "Paid revenue per Stripe customer."
    assert assets["int_charges_paid"].specs_by_key[assets["int_charges_paid"].key].tags["finance"] == ""


def test_materializing_the_chain_records_rows_schema_sql_duration_and_column_lineage(shop_warehouse):
    result = dg.materialize(
        build_model_assets(SHOP_PROJECT),
        resources={"warehouse": DuckDBResource(database=str(shop_warehouse))},
    )

    assert result.success
    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    revenue = metadata["customer_revenue"]
    assert revenue["dagster/row_count"].value == 2
    schema = revenue["dagster/column_schema"].schema
    assert [(c.name, c.type, c.description) for c in schema.columns][:2] == [
        ("customer_id", "VARCHAR", "The Stripe customer id."),
        ("customer_email", "VARCHAR", None),
    ]
    assert revenue["compiled_sql"].value.startswith("```sql\n")
    assert 'from "main"."int_charges_paid"' in revenue["compiled_sql"].value
    assert revenue["duration_seconds"].value >= 0
    lineage = revenue["dagster/column_lineage"].column_lineage.deps_by_column
    assert lineage["revenue"] == [dg.TableColumnDep(dg.AssetKey(["int_charges_paid"]), "amount")]
    staging = metadata["stg_stripe__charges"]["dagster/column_lineage"].column_lineage.deps_by_column
    assert staging["charge_id"] == [dg.TableColumnDep(dg.AssetKey(["raw", "stripe__charges"]), "id")]
