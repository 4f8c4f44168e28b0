"""Staging: JSON unpacked, money in major units, MRR normalised to a month, emails and days normalised."""

import pytest

from loop_assets_tests.models.conftest import Segment, at, subscription_item

CREATED = at("2025-01-01")


@pytest.mark.parametrize(
    ("items", "seats", "mrr", "plan"),
    [
        ([subscription_item("Team", 3900, 10)], 10, 390.0, "Team"),
        ([subscription_item("Team yearly", 39000, 12, "year")], 12, 390.0, "Team yearly"),
        ([subscription_item("Team", 3900, 2), subscription_item("Add-on", 500, 1)], 3, 83.0, "Team"),
        ([], 0, 0.0, None),
    ],
    ids=["monthly", "yearly_divided_by_12", "two_items_plan_of_the_larger", "no_items"],
)
def test_subscription_mrr_is_price_times_quantity_per_month(raw, items, seats, mrr, plan):
    raw.insert("stripe__subscriptions", {"id": "sub_1", "created": CREATED, "customer": "cus_1",
                                         "status": "active", "items": items})
    raw.build(only=("stg_stripe__subscriptions",))
    [row] = raw.rows("select seats, round(mrr, 2) as mrr, plan from main.stg_stripe__subscriptions")
    assert row == {"seats": seats, "mrr": mrr, "plan": plan}


def test_charges_count_as_spend_only_what_was_captured_and_kept(raw):
    base = {"created": CREATED, "customer": "cus_1", "currency": "usd", "amount": 10000}
    raw.insert("stripe__charges",
               {**base, "id": "ch_ok", "amount_captured": 10000, "amount_refunded": 2500, "status": "succeeded"},
               {**base, "id": "ch_failed", "amount_captured": 0, "amount_refunded": 0, "status": "failed"})
    raw.build(only=("stg_stripe__charges",))
    assert raw.rows("select charge_id, amount, net_amount from main.stg_stripe__charges order by 1") == [
        {"charge_id": "ch_failed", "amount": 100.0, "net_amount": 0.0},
        {"charge_id": "ch_ok", "amount": 100.0, "net_amount": 75.0},
    ]


def test_zendesk_emails_are_lower_cased_and_organization_domains_unnested(raw):
    times = {"created_at": CREATED, "updated_at": CREATED}
    raw.insert("zendesk__users", {**times, "id": "7", "email": " Ann@Acme.IO", "role": "end-user"})
    raw.insert("zendesk__organizations", {**times, "id": "8", "domain_names": ["Acme.io", "acme.de", ""]})
    raw.build(only=("stg_zendesk__users", "stg_zendesk__organization_domains"))
    assert raw.rows("select user_id, email, email_domain from main.stg_zendesk__users") == [
        {"user_id": 7, "email": "ann@acme.io", "email_domain": "acme.io"}]
    assert raw.rows("select * from main.stg_zendesk__organization_domains order by domain") == [
        {"organization_id": 8, "domain": "acme.de"}, {"organization_id": 8, "domain": "acme.io"}]


def test_segment_events_carry_the_utc_day_of_use_and_the_feature(raw):
    segment = Segment(raw)
    segment.feature("usr_1", "2026-03-04 23:59", "alerts", received="2026-03-05 00:01")
    segment.call("usr_1", "2026-03-05 08:00", type="identify", traits={"email": "Ann@ACME.io"})
    with raw.connect() as con:
        con.execute("set TimeZone = 'America/New_York'")
    raw.build(only=("stg_segment__events",))
    rows = raw.rows("select event_day::varchar as day, feature, trait_email_domain from main.stg_segment__events "
                    "order by message_id")
    assert rows == [{"day": "2026-03-04", "feature": "alerts", "trait_email_domain": None},
                    {"day": "2026-03-05", "feature": None, "trait_email_domain": "acme.io"}]
