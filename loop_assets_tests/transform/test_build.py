"""Building models in DuckDB: views, tables swapped in atomically, incremental merges, SQL errors."""

import duckdb
import pytest

from loop_assets.transform.build import build_model
from loop_assets.transform.errors import ModelError
from loop_assets.transform.project import load_project
from loop_assets_tests.transform.conftest import SHOP_PROJECT


def build(folder, warehouse, *names, vars=None):
    """Load the project and build the named models (all, in order, when none are named)."""
    project = load_project(folder, vars=vars)
    with duckdb.connect(str(warehouse)) as con:
        for model in project.models.values():
            if not names or model.name in names:
                build_model(con, project, model)


def query(warehouse, sql):
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql).fetchall()


def kinds(warehouse):
    return dict(query(warehouse, "select table_name, table_type from information_schema.tables where table_schema = 'main'"))


def test_view_and_table_models_build_in_the_main_schema(shop_warehouse):
    build(SHOP_PROJECT, shop_warehouse)

    assert kinds(shop_warehouse) == {
        "stg_stripe__charges": "VIEW",
        "stg_stripe__customers": "VIEW",
        "int_charges_paid": "VIEW",
        "customer_revenue": "BASE TABLE",
    }
    assert query(shop_warehouse, "select * from customer_revenue order by customer_id") == [
        ("cus_1", "ada@example.com", 2, 15.5),
        ("cus_2", "bob@example.com", 1, 3.0),
    ]


def test_rebuilding_a_table_replaces_its_rows(shop_warehouse):
    build(SHOP_PROJECT, shop_warehouse)
    query(shop_warehouse, "delete from raw.stripe__charges where customer = 'cus_2'")

    build(SHOP_PROJECT, shop_warehouse, "customer_revenue")

    assert query(shop_warehouse, "select customer_id from customer_revenue") == [("cus_1",)]


def test_a_model_switching_from_view_to_table_replaces_the_view(write_project, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    build(write_project({"marts/a.sql": "select 1 as id"}), warehouse)
    build(write_project({"marts/a.sql": "{{ config(materialized='table') }}select 2 as id"}), warehouse)

    assert kinds(warehouse) == {"a": "BASE TABLE"}
    assert query(warehouse, "select id from a") == [(2,)]


def test_failed_table_build_keeps_the_old_table_and_leaves_no_temporary(write_project, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    build(write_project({"marts/a.sql": "{{ config(materialized='table') }}select 1 as id"}), warehouse)
    broken = write_project({"marts/a.sql": "{{ config(materialized='table') }}select 1 / 'x'::int as id"})

    with pytest.raises(ModelError):
        build(broken, warehouse)

    assert query(warehouse, "select id from a") == [(1,)]
    assert kinds(warehouse) == {"a": "BASE TABLE"}


def test_incremental_model_run_twice_updates_rows_by_unique_key_without_duplicates(write_project, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    query(warehouse, "create schema raw")
    query(warehouse, "create table raw.app__tickets as select * from (values (1, 'new', 10), (2, 'open', 10)) t(id, status, updated)")
    folder = write_project(
        {
            "sources.yml": """
                sources:
                  - name: app
                    schema: raw
                    tables: [{name: tickets, identifier: app__tickets}]
            """,
            "marts/tickets.sql": """
                {{ config(materialized='incremental', unique_key='id') }}
                select id, status, updated from {{ source('app', 'tickets') }}
                {% if is_incremental() %}
                where updated > (select max(updated) from {{ this }})
                {% endif %}
            """,
        }
    )
    build(folder, warehouse)
    query(warehouse, "update raw.app__tickets set status = 'solved', updated = 20 where id = 2")
    query(warehouse, "insert into raw.app__tickets values (3, 'new', 20)")

    build(folder, warehouse)

    assert query(warehouse, "select id, status, updated from tickets order by id") == [
        (1, "new", 10),
        (2, "solved", 20),
        (3, "new", 20),
    ]


def test_incremental_model_merges_on_a_composite_unique_key(write_project, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    folder = write_project(
        {
            "marts/daily.sql": """
                {{ config(materialized='incremental', unique_key=['day', 'account']) }}
                select * from (values (1, 'a', {{ var('value') }}), (1, 'b', 5)) t(day, account, value)
            """,
        }
    )
    build(folder, warehouse, vars={"value": 1})
    build(folder, warehouse, vars={"value": 2})

    assert query(warehouse, "select day, account, value from daily order by account") == [(1, "a", 2), (1, "b", 5)]


def test_sql_error_names_the_model_file_its_line_and_duckdbs_message(write_project, tmp_path):
    folder = write_project(
        {
            "staging/base.sql": "select 1 as id, 2 as amount",
            "marts/totals.sql": """
                {{ config(materialized='table') }}

                with base as (
                    select * from {{ ref('base') }}
                )

                select
                    id,
                    amout
                from base
            """,
        }
    )

    with pytest.raises(ModelError) as raised:
        build(folder, tmp_path / "w.duckdb")

    message = str(raised.value)
    assert message.startswith(f"{folder / 'marts' / 'totals.sql'}:9: ")
    assert 'Referenced column "amout" not found' in message
    assert "    amout" in message
