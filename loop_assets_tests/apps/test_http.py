"""The shared retry policy and errors of AppSession, over real HTTP against a scripted server."""

from __future__ import annotations

import time

import pytest

from loop_assets.apps.http import AppError, AppSession
from loop_assets_tests.apps.conftest import Reply

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def test_rate_limited_request_waits_at_least_retry_after_then_succeeds(server):
    server.script(Reply(429, {"error": "APIRateLimitExceeded"}, headers={"Retry-After": "1"}), Reply(200, {"ok": 1}))
    session = AppSession("Zendesk", server.url, **FAST)

    started = time.monotonic()
    response = session.request("GET", "/api/v2/tickets.json")

    assert time.monotonic() - started >= 1.0
    assert response.json() == {"ok": 1}
    assert (session.stats.calls, session.stats.retries) == (2, 1)


def test_server_errors_are_retried_until_the_app_answers(server):
    server.script(*[Reply(503, {"error": "unavailable"})] * 3, Reply(200, {"ok": 1}))
    session = AppSession("Zendesk", server.url, **FAST)

    assert session.request("GET", "/api/v2/users.json").json() == {"ok": 1}
    assert (session.stats.calls, session.stats.retries) == (4, 3)
    assert len(server.received) == 4


def test_connection_dropped_mid_body_is_retried(server):
    full = {"tickets": [{"id": n, "subject": "x" * 50} for n in range(50)]}
    server.script(Reply(200, full, drop_after=100), Reply(200, full))
    session = AppSession("Zendesk", server.url, **FAST)

    assert session.request("GET", "/api/v2/tickets.json").json() == full
    assert (session.stats.calls, session.stats.retries) == (2, 1)


def test_exhausted_retries_raise_the_apps_own_error_message(server):
    error = {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
    server.script(*[Reply(500, error)] * 3)
    session = AppSession("Stripe", server.url, max_retries=2, **FAST)

    with pytest.raises(AppError) as raised:
        session.request("GET", "/v1/customers")

    assert (raised.value.app, raised.value.status) == ("Stripe", 500)
    assert raised.value.message == "Something went wrong on Stripe's end."
    assert "GET /v1/customers" in str(raised.value)
    assert session.stats.calls == 3


def test_client_errors_are_not_retried_and_carry_the_error_description(server):
    server.script(Reply(404, {"error": "RecordNotFound", "description": "Not found"}))
    session = AppSession("Zendesk", server.url, **FAST)

    with pytest.raises(AppError, match="HTTP 404: RecordNotFound: Not found"):
        session.request("GET", "/api/v2/job_statuses/nope.json")
    assert (session.stats.calls, len(server.received)) == (1, 1)


def test_unreachable_app_raises_app_error_after_retries():
    session = AppSession("Zendesk", "http://127.0.0.1:9", max_retries=1, **FAST)

    with pytest.raises(AppError) as raised:
        session.request("GET", "/api/v2/tickets.json")

    assert raised.value.status is None
    assert session.stats.retries == 1


def test_post_without_idempotency_key_is_refused_before_sending(server):
    session = AppSession("Stripe", server.url, **FAST)

    with pytest.raises(ValueError, match="Idempotency-Key"):
        session.request("POST", "/v1/customers/cus_1", data={"metadata[tier]": "gold"})
    assert server.received == []
