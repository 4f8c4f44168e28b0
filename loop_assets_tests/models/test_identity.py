"""Identity resolution: every record of every app is either linked to an account (and how) or reported."""

from loop_assets_tests.models.conftest import at

JAN = at("2025-01-01")


def test_each_record_is_linked_to_its_account_by_the_expected_method(built_two_companies):
    links = {(r["record_type"], r["record_id"]): (r["account_id"], r["match_method"], r["matched_on"])
             for r in built_two_companies.rows("select * from main.identity_links")}
    assert links == {
        ("stripe_customer", "cus_acme"): ("cus_acme", "stripe_customer", "cus_acme"),
        ("stripe_customer", "cus_bolt"): ("cus_bolt", "stripe_customer", "cus_bolt"),
        ("zendesk_organization", "100"): ("cus_acme", "external_id", "cus_acme"),
        ("zendesk_organization", "101"): ("cus_bolt", "domain", "bolt.dev"),
        ("zendesk_user", "200"): ("cus_acme", "organization", "100"),
        ("zendesk_user", "201"): ("cus_bolt", "product_user_id", "usr_b1"),
        ("segment_user", "usr_a1"): ("cus_acme", "group_customer_id", "cus_acme"),
        ("segment_user", "usr_a2"): ("cus_acme", "identify_email_domain", "acme.io"),
        ("segment_user", "usr_b1"): ("cus_bolt", "group_domain", "bolt.dev"),
    }


def test_records_that_match_nothing_are_reported_with_the_reason_and_agents_are_not_customers(built_two_companies):
    unmatched = {(r["record_type"], r["record_id"]): r["reason"]
                 for r in built_two_companies.rows("select * from main.unmatched_identities")}
    assert unmatched == {
        ("zendesk_organization", "102"): "no external_id; only free-mail domains (gmail.com)",
        ("zendesk_user", "202"): "no organization; no external_id; email on free-mail domain gmail.com",
        ("segment_user", "usr_x"): "no group call; no identify email; "
                                   "no Zendesk user of a matched organization has it as external_id",
    }


def test_a_domain_two_customers_bill_to_matches_neither(raw):
    raw.insert("stripe__customers",
               {"id": "cus_1", "created": JAN, "email": "a@shared.com"},
               {"id": "cus_2", "created": JAN, "email": "b@shared.com"})
    raw.insert("zendesk__organizations", {"id": "1", "created_at": JAN, "updated_at": JAN,
                                          "name": "Shared", "domain_names": ["shared.com"]})
    raw.build()
    assert raw.rows("select record_id, reason from main.unmatched_identities") == [
        {"record_id": "1", "reason": "no external_id; domain shared.com is shared by several accounts"}]


def test_accounts_list_what_is_linked_to_them(built_two_companies):
    accounts = {r["account_id"]: r for r in built_two_companies.rows("select * from main.accounts")}
    assert accounts["cus_acme"]["billing_email"] == "billing@acme.io"
    assert accounts["cus_acme"]["domains"] == ["acme.io"]
    assert accounts["cus_acme"]["zendesk_organization_ids"] == [100]
    assert (accounts["cus_acme"]["zendesk_users"], accounts["cus_acme"]["product_users"]) == (1, 2)
    assert accounts["cus_bolt"]["domains"] == ["bolt.dev"]

