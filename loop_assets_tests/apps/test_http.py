"""The shared retry policy and errors of AppSession, over real HTTP against a scripted server."""

from __future__ import annotations

import time

import pytest

from loop_assets.apps.http import AppError, AppSession
from loop_assets.apps.stripe import StripeClient
from loop_assets_tests.apps.conftest import Reply

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def test_rate_limited_request_waits_at_least_retry_after_then_succeeds(server):
    server.script(Reply(429, {"error": "APIRateLimitExceeded"}, headers={"Retry-After": "1"}), Reply(200, {"ok": 1}))
    session = AppSession("Zendesk", server.url, **FAST)

    started = time.monotonic()
    body = session.request("GET", "/api/v2/tickets.json")

    assert time.monotonic() - started >= 1.0
    assert body == {"ok": 1}
    assert (session.stats.calls, session.stats.retries) == (2, 1)


def test_server_errors_are_retried_until_the_app_answers(server):
    server.script(*[Reply(503, {"error": "unavailable"})] * 3, Reply(200, {"ok": 1}))
    session = AppSession("Zendesk", server.url, **FAST)

    assert session.request("GET", "/api/v2/users.json") == {"ok": 1}
    assert (session.stats.calls, session.stats.retries) == (4, 3)
    assert len(server.received) == 4


def test_connection_dropped_mid_body_is_retried(server):
    full = {"tickets": [{"id": n, "subject": "x" * 50} for n in range(50)]}
    server.script(Reply(200, full, drop_after=100), Reply(200, full))
    session = AppSession("Zendesk", server.url, **FAST)

    assert session.request("GET", "/api/v2/tickets.json") == full
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


def test_a_success_that_is_not_json_names_the_app_the_request_and_what_came_back(server):
    page = b"<html><body>Sign in to the proxy as sk_test_secret</body></html>"
    server.script(Reply(200, page, headers={"Content-Type": "text/html"}))
    session = AppSession("Stripe", server.url, headers={"Authorization": "Bearer sk_test_secret"}, **FAST)

    with pytest.raises(AppError) as raised:
        session.request("GET", "/v1/customers")

    assert (raised.value.app, raised.value.status, raised.value.request) == ("Stripe", 200, "GET /v1/customers")
    assert "text/html, not JSON: '<html><body>Sign in to the proxy as [redacted]" in str(raised.value)
    assert "sk_test_secret" not in str(raised.value)
    assert session.stats.calls == 1


def test_a_success_with_no_body_returns_none(server):
    server.script(Reply(204, b"", headers={"Content-Type": "text/plain"}))
    session = AppSession("Segment", server.url, **FAST)

    assert session.request("POST", "/v1/batch", json={"batch": []}, idempotent=True) is None


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


def test_query_parameters_repeat_a_list_parameter_and_leave_out_unset_ones(server):
    server.script(Reply(200, {"data": []}))
    session = AppSession("Stripe", server.url, **FAST)

    session.request("GET", "/v1/events?created%5Bgte%5D=5",
                    params={"types[]": ["invoice.paid", "charge.failed"], "starting_after": None, "limit": 100})

    assert server.received[0].target == (
        "/v1/events?created%5Bgte%5D=5&types%5B%5D=invoice.paid&types%5B%5D=charge.failed&limit=100")


def test_a_redirect_is_not_followed_and_the_error_says_where_it_points(server):
    server.script(Reply(301, b"", headers={"Location": "https://login.example/sso"}))
    session = AppSession("Zendesk", server.url, **FAST)

    with pytest.raises(AppError, match="HTTP 301: redirected to https://login.example/sso; check the app's base URL"):
        session.request("GET", "/api/v2/users.json")
    assert len(server.received) == 1


def test_a_url_on_another_host_is_refused_before_sending(server):
    session = AppSession("Zendesk", server.url, **FAST)

    with pytest.raises(ValueError, match="is not the app's host"):
        session.request("GET", "https://attacker.example/api/v2/users.json")
    assert server.received == []


@pytest.fixture
def proxy_env(monkeypatch):
    """No proxy variable of the machine's own leaks into a test; returns monkeypatch to set them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_proxy_set_in_the_environment_carries_the_apps_requests(server, proxy_env):
    proxy_env.setenv("HTTP_PROXY", server.url)
    server.script(Reply(200, {"tickets": []}))
    session = AppSession("Zendesk", "http://acme.zendesk.invalid", **FAST)

    assert session.request("GET", "/api/v2/tickets.json") == {"tickets": []}
    [received] = server.received
    assert (received.headers["Host"], received.target) == (
        "acme.zendesk.invalid", "http://acme.zendesk.invalid/api/v2/tickets.json")


def test_hosts_in_no_proxy_are_reached_directly(server, proxy_env):
    proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    proxy_env.setenv("NO_PROXY", "127.0.0.1")
    server.script(Reply(200, {"ok": 1}))

    assert AppSession("Zendesk", server.url, max_retries=0).request("GET", "/api/v2/users.json") == {"ok": 1}


def test_a_netrc_entry_for_the_host_does_not_replace_stripes_bearer_key(server, tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-key\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server.script(Reply(200, {"id": "cus_1", "metadata": {"loop_tier": "high"}}))

    StripeClient("sk_test_key", base_url=server.url).update_customer_metadata(
        "cus_1", {"loop_tier": "high"}, idempotency_key="k1")

    assert server.received[0].headers["Authorization"] == "Bearer sk_test_key"
