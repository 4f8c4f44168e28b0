"""Loading a project: layers, YAML docs and tests, sources, and precise errors for broken graphs."""

import pytest

from loop_assets.transform.docs import DataTest
from loop_assets.transform.errors import ModelError
from loop_assets.transform.project import load_project
from loop_assets.transform.relation import Relation
from loop_assets_tests.transform.conftest import SHOP_PROJECT


def test_models_come_in_build_order_with_their_layer_folder():
    project = load_project(SHOP_PROJECT)

    assert {name: model.layer for name, model in project.models.items()} == {
        "stg_stripe__charges": "staging",
        "int_charges_paid": "intermediate",
        "stg_stripe__customers": "staging",
        "customer_revenue": "marts",
    }
    order = list(project.models)
    assert order.index("int_charges_paid") < order.index("customer_revenue")
    assert order.index("stg_stripe__charges") < order.index("int_charges_paid")


def test_yaml_docs_and_data_tests_are_kept_on_the_model():
    model = load_project(SHOP_PROJECT).models["customer_revenue"]

    assert model.description == "Paid revenue per Stripe customer."
    assert model.columns["customer_id"].description == "The Stripe customer id."
    assert model.columns["customer_id"].tests == (DataTest("unique"), DataTest("not_null"))
    assert model.columns["revenue"].tests == (
        DataTest("dbt_utils.accepted_range", {"min_value": 0}, {"severity": "warn"}),
    )
    assert model.tests == (
        DataTest(
            "dbt_utils.unique_combination_of_columns",
            {"combination_of_columns": ["customer_id", "customer_email"]},
        ),
    )


def test_sources_map_to_raw_tables_and_their_asset_keys():
    project = load_project(SHOP_PROJECT)

    charges = project.sources[("stripe", "charges")]
    assert charges.relation == Relation("raw", "stripe__charges")
    assert charges.asset_key == ("raw", "stripe__charges")
    assert project.models["stg_stripe__charges"].sources == (("stripe", "charges"),)


def test_unknown_ref_names_the_model_file_and_the_closest_model(write_project):
    folder = write_project(
        {
            "staging/stg_orders.sql": "select 1 as id",
            "marts/orders.sql": "select * from {{ ref('stg_order') }}",
        }
    )

    with pytest.raises(ModelError) as raised:
        load_project(folder)

    message = str(raised.value)
    assert str(folder / "marts" / "orders.sql") in message
    assert "ref('stg_order') names no model; closest: stg_orders" in message


def test_undeclared_source_names_the_model_file_and_the_closest_source(write_project):
    folder = write_project(
        {
            "sources.yml": """
                sources:
                  - name: stripe
                    schema: raw
                    tables: [{name: charges, identifier: stripe__charges}]
            """,
            "staging/stg_charges.sql": "select * from {{ source('stripe', 'charge') }}",
        }
    )

    with pytest.raises(ModelError) as raised:
        load_project(folder)

    assert str(folder / "staging" / "stg_charges.sql") in str(raised.value)
    assert "closest: source('stripe', 'charges')" in str(raised.value)


def test_cycle_is_reported_with_its_path(write_project):
    folder = write_project(
        {
            "marts/a.sql": "select * from {{ ref('b') }}",
            "marts/b.sql": "select * from {{ ref('c') }}",
            "marts/c.sql": "select * from {{ ref('a') }}",
        }
    )

    with pytest.raises(ModelError, match=r"cycle: a -> b -> c -> a"):
        load_project(folder)


def test_yaml_documenting_a_missing_model_names_the_yaml_file_and_closest_model(write_project):
    folder = write_project(
        {
            "marts/orders.sql": "select 1 as id",
            "marts/orders.yml": "models:\n  - name: order\n",
        }
    )

    with pytest.raises(ModelError, match=r"marts/orders\.yml: documents model 'order' .* closest: orders"):
        load_project(folder)


def test_unsupported_materialization_names_the_file(write_project):
    folder = write_project({"marts/a.sql": "{{ config(materialized='ephemeral') }}select 1"})

    with pytest.raises(ModelError, match=r"marts/a\.sql: materialized='ephemeral' is not supported"):
        load_project(folder)
