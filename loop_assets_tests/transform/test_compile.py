"""Jinja compiles as dbt's does: ref, source, config, var, is_incremental, this, set/for and macros."""

import pytest

from loop_assets.transform.errors import ModelError
from loop_assets.transform.project import load_project
from loop_assets_tests.transform.conftest import SHOP_PROJECT


def test_ref_source_macro_set_and_for_compile_to_duckdb_sql():
    project = load_project(SHOP_PROJECT)

    staging = project.compile("stg_stripe__charges")
    paid = project.compile("int_charges_paid")

    assert 'select * from "raw"."stripe__charges"' in staging
    assert "round(amount / 100.0, 2) as amount" in staging
    assert 'from "main"."stg_stripe__charges"' in paid
    assert "where status in ('succeeded', 'refunded')" in paid
    assert "amount >= 0" in paid


def test_config_in_file_sets_materialization_and_tags():
    project = load_project(SHOP_PROJECT)

    assert project.models["int_charges_paid"].config == {"materialized": "view", "tags": ["finance"]}
    assert project.models["customer_revenue"].materialized == "table"
    assert project.models["stg_stripe__customers"].materialized == "view"


def test_var_takes_the_value_given_to_the_project():
    project = load_project(SHOP_PROJECT, vars={"min_amount": 5})

    assert "amount >= 5" in project.compile("int_charges_paid")


def test_is_incremental_and_this_render_for_an_incremental_run(write_project):
    folder = write_project(
        {
            "marts/events.sql": """
                {{ config(materialized='incremental', unique_key='id') }}
                select * from {{ ref('base') }}
                {% if is_incremental() %}where updated > (select max(updated) from {{ this }}){% endif %}
            """,
            "staging/base.sql": "select 1 as id, 1 as updated",
        }
    )
    project = load_project(folder)

    assert "where" not in project.compile("events")
    assert 'where updated > (select max(updated) from "main"."events")' in project.compile(
        "events", is_incremental=True
    )


def test_macros_call_ref_var_and_each_other_across_files(write_project):
    folder = write_project(
        {
            "macros/a.sql": "{% macro from_base() %}from {{ ref('base') }} limit {{ limit_of() }}{% endmacro %}",
            "macros/b.sql": "{% macro limit_of() %}{{ var('limit') }}{% endmacro %}",
            "staging/base.sql": "select 1 as id",
            "marts/top.sql": "select * {{ from_base() }}",
        }
    )
    project = load_project(folder, vars={"limit": 3})

    assert project.compile("top") == 'select * from "main"."base" limit 3'
    assert project.models["top"].refs == ("base",)


def test_missing_var_names_the_file_line_and_how_to_set_it(write_project):
    folder = write_project({"staging/a.sql": "select 1 as id\nwhere 1 = {{ var('tenant') }}"})

    with pytest.raises(ModelError) as raised:
        load_project(folder)

    assert f"{folder / 'staging' / 'a.sql'}:2:" in str(raised.value)
    assert "var 'tenant' has no value" in str(raised.value)


def test_jinja_syntax_error_names_the_file_and_line(write_project):
    folder = write_project({"staging/a.sql": "select 1 as id\n\nfrom {{ ref('b' }}\n"})

    with pytest.raises(ModelError, match=r"staging/a\.sql:3: Jinja syntax error"):
        load_project(folder)


def test_undefined_name_in_a_model_names_the_file_and_line(write_project):
    folder = write_project({"staging/a.sql": "select 1 as id\nfrom {{ sorce('x', 'y') }}"})

    with pytest.raises(ModelError, match=r"staging/a\.sql:2: Jinja error: 'sorce' is undefined"):
        load_project(folder)
