"""A DuckDB file per test with the extract layer's raw tables, filled row by row, and the models built on it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from loop_assets.extract.landing import ensure_table
from loop_assets.extract.specs import STREAMS
from loop_assets.transform.build import build_model
from loop_assets.transform.project import load_project
from loop_assets.warehouse import ensure_state_tables

MODELS_DIR = Path(__file__).resolve().parents[2] / "loop_assets" / "models"
AS_OF = "2026-03-10"
SPECS = {spec.key: spec for spec in STREAMS}


def at(text: str) -> datetime:
    """A UTC timestamp from `2026-03-10 12:00`."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@dataclass
class RawWarehouse:
    """A warehouse file whose raw tables have exactly the columns the extract layer creates."""

    path: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path))

    def insert(self, table: str, *rows: dict) -> None:
        """Land rows in raw.<table>; columns left out are null, JSON columns take Python values."""
        spec = SPECS[table]
        names = [column.name for column in spec.columns]
        with self.connect() as con:
            for row in rows:
                unknown = set(row) - set(names)
                assert not unknown, f"raw.{table} has no column(s) {unknown}"
                values = [
                    json.dumps(row.get(c.name)) if c.sql_type == "json" and c.name in row else row.get(c.name)
                    for c in spec.columns
                ]
                con.execute(
                    f'insert into raw."{table}" ({", ".join(names)}, _loop_version, _loop_raw, _loop_extracted_at) '
                    f"values ({', '.join('?' for _ in names)}, 1, '{{}}', now())",
                    values,
                )

    def build(self, *, as_of: str = AS_OF, only: tuple[str, ...] = ()) -> None:
        """Build every model (or the named ones) in dependency order, as the Dagster assets do."""
        project = load_project(MODELS_DIR, vars={"as_of": as_of})
        with self.connect() as con:
            for name, model in project.models.items():
                if not only or name in only:
                    build_model(con, project, model)

    def rows(self, sql: str, *params) -> list[dict]:
        with self.connect() as con:
            cursor = con.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]


def empty_raw_warehouse(path: Path) -> RawWarehouse:
    """A new warehouse file with the loop's state tables and every empty raw table."""
    with duckdb.connect(str(path)) as con:
        ensure_state_tables(con)
        for spec in STREAMS:
            ensure_table(con, spec)
    return RawWarehouse(path)


@pytest.fixture
def raw(tmp_path) -> RawWarehouse:
    return empty_raw_warehouse(tmp_path / "warehouse.duckdb")


def subscription_item(plan: str, unit_amount: int, quantity: int, interval: str = "month") -> dict:
    """One items.data[] entry as Stripe's basil API returns it (only the fields the models read)."""
    return {"id": f"si_{plan}", "quantity": quantity,
            "price": {"id": f"price_{plan}", "nickname": plan, "unit_amount": unit_amount,
                      "unit_amount_decimal": str(unit_amount),
                      "recurring": {"interval": interval, "interval_count": 1}}}


class Segment:
    """Segment calls for raw.segment__events with fresh messageIds."""

    def __init__(self, raw: RawWarehouse):
        self.raw = raw
        self.count = 0

    def call(self, user_id: str | None, when: str, *, received: str | None = None, **fields) -> None:
        self.count += 1
        self.raw.insert("segment__events", {
            "message_id": f"msg-{self.count}", "user_id": user_id, "anonymous_id": f"anon-{user_id}",
            "timestamp": at(when), "received_at": at(received or when), **fields,
        })

    def signed_in(self, user_id: str, when: str, **kw) -> None:
        self.call(user_id, when, type="track", event="Signed In", properties={"method": "sso"}, **kw)

    def feature(self, user_id: str, when: str, feature: str, **kw) -> None:
        self.call(user_id, when, type="track", event="Feature Used", properties={"feature": feature}, **kw)


ACME_FEATURES = ("alerts", "dashboards", "exports", "funnels", "notebooks", "reports", "segments", "sql_editor")


@pytest.fixture
def two_companies(raw) -> RawWarehouse:
    """The two companies of `land_two_companies`, not built yet."""
    return land_two_companies(raw)


@pytest.fixture(scope="module")
def built_two_companies(tmp_path_factory) -> RawWarehouse:
    """The two companies with every model built once for a module's read-only tests."""
    raw = land_two_companies(empty_raw_warehouse(tmp_path_factory.mktemp("companies") / "warehouse.duckdb"))
    raw.build()
    return raw


def land_two_companies(raw: RawWarehouse) -> RawWarehouse:
    """Acme (big yearly plan, used 6 of the last 7 days) and Bolt (churned, found by domain), plus strangers.

    as_of is 2026-03-10, so the 7-day window is 2026-03-04..2026-03-10 and 90 days start after 2025-12-10.
    """
    raw.insert("stripe__customers",
               {"id": "cus_acme", "created": at("2024-01-01"), "email": " Billing@Acme.io ", "name": "Acme"},
               {"id": "cus_bolt", "created": at("2024-05-01"), "email": "finance@bolt.dev", "name": "Bolt"})
    raw.insert("stripe__subscriptions",
               # $14,400 a year for one seat: $1,200 a month.
               {"id": "sub_acme", "created": at("2024-01-01"), "customer": "cus_acme", "status": "active",
                "items": [subscription_item("Enterprise (yearly)", 1440000, 1, "year")]},
               {"id": "sub_bolt", "created": at("2024-05-01"), "customer": "cus_bolt", "status": "canceled",
                "canceled_at": at("2026-02-01"), "ended_at": at("2026-02-01"),
                "items": [subscription_item("Starter", 1500, 4)]})
    charge = {"currency": "usd", "amount_refunded": 0}
    raw.insert("stripe__charges",
               {**charge, "id": "ch_a_old", "created": at("2025-06-01"), "customer": "cus_acme", "amount": 50000,
                "amount_captured": 50000, "status": "succeeded"},
               {**charge, "id": "ch_a_new", "created": at("2026-03-01"), "customer": "cus_acme", "amount": 120000,
                "amount_captured": 120000, "amount_refunded": 20000, "status": "succeeded"},
               {**charge, "id": "ch_a_failed", "created": at("2026-03-02"), "customer": "cus_acme", "amount": 30000,
                "amount_captured": 0, "status": "failed", "failure_code": "card_declined"},
               {**charge, "id": "ch_a_future", "created": at("2026-03-11 09:00"), "customer": "cus_acme",
                "amount": 99900, "amount_captured": 99900, "status": "succeeded"},
               {**charge, "id": "ch_b", "created": at("2026-01-15"), "customer": "cus_bolt", "amount": 6000,
                "amount_captured": 6000, "status": "succeeded"})
    times = {"created_at": at("2025-01-01"), "updated_at": at("2026-03-01")}
    raw.insert("zendesk__organizations",
               {**times, "id": "100", "name": "Acme", "external_id": "cus_acme", "domain_names": ["acme.io"]},
               {**times, "id": "101", "name": "Bolt", "domain_names": ["Bolt.dev"]},
               {**times, "id": "102", "name": "Ghost", "domain_names": ["gmail.com"]})
    raw.insert("zendesk__users",
               {**times, "id": "200", "name": "Ann", "email": "Ann@Acme.io", "organization_id": "100",
                "role": "end-user"},
               {**times, "id": "201", "name": "Bo", "email": "bo.private@gmail.com", "external_id": "usr_b1",
                "role": "end-user"},
               {**times, "id": "202", "name": "Stranger", "email": "stranger@gmail.com", "role": "end-user"},
               {**times, "id": "203", "name": "Agent", "email": "agent@loop.example", "role": "agent"})
    ticket = {**times, "subject": "Help"}
    raw.insert("zendesk__tickets",
               {**ticket, "id": "300", "status": "open", "priority": "normal", "requester_id": "200",
                "organization_id": "100", "tags": ["billing", "loop_tier_low"]},
               {**ticket, "id": "301", "status": "new", "priority": "urgent", "requester_id": "201", "tags": []},
               {**ticket, "id": "302", "status": "pending", "requester_id": "202", "tags": ["api"]},
               {**ticket, "id": "303", "status": "solved", "priority": "low", "requester_id": "200",
                "organization_id": "100", "tags": []})
    segment = Segment(raw)
    segment.call("usr_a1", "2026-03-01 08:00", type="group", group_id="cus_acme", traits={"name": "Acme"})
    segment.call("usr_a2", "2026-03-01 08:00", type="identify", traits={"email": "Ann@ACME.io"})
    segment.call("usr_b1", "2026-01-10 08:00", type="group", group_id="bolt.dev")
    segment.call("usr_x", "2026-03-05 08:00", type="page", properties={"path": "/"})
    # Acme: two sign-ins on each of 6 days (2026-03-04..09), 8 distinct features, plus use outside the window.
    for day in range(4, 10):
        segment.signed_in("usr_a1", f"2026-03-{day:02d} 09:00")
        segment.signed_in("usr_a2", f"2026-03-{day:02d} 10:00")
    for index, feature in enumerate(ACME_FEATURES):
        segment.feature("usr_a1" if index % 2 else "usr_a2", f"2026-03-{4 + index % 6:02d} 11:00", feature)
    segment.feature("usr_a1", "2026-03-02 11:00", "forecasts")
    segment.feature("usr_a1", "2026-03-11 11:00", "lineage")
    return raw
