"""Fixtures for the model loader: small model projects and a DuckDB warehouse file per test."""

from pathlib import Path

import duckdb
import pytest

SHOP_PROJECT = Path(__file__).parent / "projects" / "shop"


@pytest.fixture
def shop_warehouse(tmp_path) -> Path:
    """A DuckDB file holding the raw Stripe tables the shop project reads."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.stripe__customers (id varchar, email varchar)")
        con.execute(
            "insert into raw.stripe__customers values ('cus_1', 'ada@example.com'), ('cus_2', 'bob@example.com')"
        )
        con.execute("create table raw.stripe__charges (id varchar, customer varchar, amount integer, status varchar)")
        con.execute(
            "insert into raw.stripe__charges values"
            " ('ch_1', 'cus_1', 1000, 'succeeded'), ('ch_2', 'cus_1', 550, 'succeeded'),"
            " ('ch_3', 'cus_2', 700, 'failed'), ('ch_4', 'cus_2', 300, 'refunded')"
        )
    return path
