"""StripeClient over real HTTP: retry hints, credentials in errors, pagination and metadata updates."""

from __future__ import annotations

import pytest

from loop_assets.apps.http import AppAuthError, AppError
from loop_assets.apps.stripe import STRIPE_VERSION, StripeClient
from loop_assets_tests.apps.conftest import Reply

KEY = "sk_test_secret_do_not_print_4242"
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def customers_list(server, count: int):
    """Play a Stripe list of `count` customers, newest first, honouring limit and starting_after."""
    customers = [{"id": f"cus_{n:04d}", "object": "customer", "created": 10_000 - n} for n in range(count)]

    def respond(received):
        start = 0
        if "starting_after" in received.query:
            start = [c["id"] for c in customers].index(received.query["starting_after"]) + 1
        page = customers[start : start + int(received.query["limit"])]
        has_more = start + len(page) < len(customers)
        return Reply(200, {"object": "list", "url": "/v1/customers", "has_more": has_more, "data": page})

    server.respond = respond
    return customers


def test_should_retry_false_is_not_retried_even_on_a_server_error(server):
    error = {"error": {"type": "api_error", "message": "The request conflicted with another."}}
    server.script(Reply(500, error, headers={"Stripe-Should-Retry": "false"}), Reply(200, {"data": []}))
    client = StripeClient(KEY, server.url, **FAST)

    with pytest.raises(AppError, match="conflicted with another") as raised:
        next(client.list_pages("customers"))

    assert raised.value.status == 500
    assert (client.stats.calls, client.stats.retries, len(server.received)) == (1, 0, 1)


def test_should_retry_true_retries_an_otherwise_final_status(server):
    error = {"error": {"type": "invalid_request_error", "code": "lock_timeout", "message": "locked"}}
    server.script(Reply(400, error, headers={"Stripe-Should-Retry": "true"}))
    customers_list(server, 3)
    client = StripeClient(KEY, server.url, **FAST)

    pages = list(client.list_pages("customers"))

    assert [len(p.records) for p in pages] == [3]
    assert client.stats.retries == 1


def test_rejected_key_raises_auth_error_naming_the_setting_without_the_key(server):
    # An echo of the full key (as a misbehaving proxy might) must still not reach the message.
    error = {"error": {"type": "invalid_request_error", "message": f"Invalid API Key provided: {KEY}"}}
    server.script(Reply(401, error))
    client = StripeClient(KEY, server.url, **FAST)

    with pytest.raises(AppAuthError) as raised:
        next(client.list_pages("customers"))

    text = str(raised.value)
    assert text.startswith("Stripe rejected the credentials (HTTP 401: Invalid API Key provided")
    assert "Set STRIPE_API_KEY" in text
    assert KEY not in text and KEY not in raised.value.message and KEY not in repr(raised.value)
    assert client.stats.calls == 1


def test_list_pages_repeat_the_params_with_starting_after_until_has_more_is_false(server):
    customers = customers_list(server, 250)
    client = StripeClient(KEY, server.url, **FAST)

    pages = list(client.list_pages("customers", {"created[gte]": "0"}))

    assert [(len(p.records), p.has_more) for p in pages] == [(100, True), (100, True), (50, False)]
    assert [r["id"] for p in pages for r in p.records] == [c["id"] for c in customers]
    assert [q.query.get("starting_after") for q in server.received] == [None, "cus_0099", "cus_0199"]
    assert all(q.query["created[gte]"] == "0" and q.query["limit"] == "100" for q in server.received)
    assert server.received[0].headers["Stripe-Version"] == STRIPE_VERSION
    assert server.received[0].headers["Authorization"] == f"Bearer {KEY}"


def test_list_pages_resume_from_a_given_starting_after(server):
    customers_list(server, 5)
    client = StripeClient(KEY, server.url, **FAST)

    pages = list(client.list_pages("customers", starting_after="cus_0002", page_size=10))

    assert [r["id"] for r in pages[0].records] == ["cus_0003", "cus_0004"]


def test_metadata_update_is_a_form_post_retried_with_the_same_idempotency_key(server):
    server.script(Reply(503, {"error": {"message": "try later"}}),
                  Reply(200, {"id": "cus_1", "object": "customer", "metadata": {"tier": "gold"}}))
    client = StripeClient(KEY, server.url, **FAST)

    customer = client.update_customer_metadata("cus_1", {"tier": "gold", "old": ""}, idempotency_key="sync-cus_1-abc")

    assert customer["metadata"] == {"tier": "gold"}
    assert [r.path for r in server.received] == ["/v1/customers/cus_1"] * 2
    assert [r.headers["Idempotency-Key"] for r in server.received] == ["sync-cus_1-abc"] * 2
    assert server.received[-1].body == {"metadata[tier]": "gold", "metadata[old]": ""}
