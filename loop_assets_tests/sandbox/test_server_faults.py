"""Fault injection and the admin routes, over real HTTP, and `serve()` as a real process."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from loop_assets.sandbox.store import now

from .seeds import seed_customer, seed_ticket


def test_an_injected_rate_limit_skips_after_then_faults_count_requests(sandbox):
    sandbox.add_fault(app="zendesk", path="/tickets", kind="rate_limit", count=2, after=1)
    codes = [sandbox.call("zendesk", "GET", "/api/v2/tickets.json") for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 429, 429, 200]
    assert codes[1].headers["Retry-After"] == "1"
    rules = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()["rules"]
    assert (rules[0]["remaining"], rules[0]["seen"]) == (0, 4)


def test_an_injected_stripe_rate_limit_says_should_retry_without_retry_after(sandbox):
    sandbox.add_fault(app="stripe", kind="rate_limit", method="GET")
    response = sandbox.call("stripe", "GET", "/v1/customers")
    assert response.status_code == 429 and response.headers["Stripe-Should-Retry"] == "true"
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize("app, path, status, body_key", [
    ("stripe", "/v1/charges", 500, "error"), ("zendesk", "/api/v2/users.json", 503, "error"),
], ids=["stripe", "zendesk"])
def test_an_injected_server_error_answers_with_the_apps_error_body(sandbox, app, path, status, body_key):
    sandbox.add_fault(app="*", kind="server_error")
    response = sandbox.call(app, "GET", path)
    assert response.status_code == status and body_key in response.json()
    assert sandbox.call(app, "GET", path).status_code == 200


def test_a_dropped_connection_is_a_broken_read_for_the_client_not_a_short_answer(sandbox):
    for i in range(5):
        seed_customer(sandbox.store, f"cus_{i}", now() - i)
    sandbox.add_fault(app="stripe", path="/v1/customers", kind="drop_connection")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        sandbox.call("stripe", "GET", "/v1/customers")
    assert len(sandbox.call("stripe", "GET", "/v1/customers").json()["data"]) == 5


def test_a_slow_fault_delays_the_answer(sandbox):
    sandbox.add_fault(app="segment", kind="slow", delay=0.5)
    started = time.monotonic()
    assert sandbox.call("segment", "POST", "/v1/track", json={"userId": "u1", "event": "Signed In"}).ok
    assert time.monotonic() - started >= 0.5


def test_a_malformed_fault_corrupts_exactly_one_record_of_a_page(sandbox):
    for ticket_id in (1, 2, 3):
        seed_ticket(sandbox.store, ticket_id, now() - 3600)
    sandbox.add_fault(app="zendesk", path="tickets.json", kind="malformed")
    tickets = sandbox.call("zendesk", "GET", "/api/v2/tickets.json").json()["tickets"]
    broken = [t for t in tickets if "id" not in t]
    assert len(tickets) == 3 and len(broken) == 1 and broken[0]["updated_at"] == "not-a-date"


def test_deleting_faults_clears_them_and_a_bad_rule_is_a_400_naming_the_field(sandbox):
    sandbox.add_fault(app="stripe", kind="server_error", count=5)
    assert requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5).json() == {"rules": []}
    assert sandbox.call("stripe", "GET", "/v1/customers").status_code == 200
    bad = requests.post(f"{sandbox.url}/_sandbox/faults", json={"app": "stripe", "kind": "explode"}, timeout=5)
    assert bad.status_code == 400 and "'kind'" in bad.json()["error"]


def test_an_unknown_setting_is_a_400_naming_it(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/config", json={"stripe_rps": 5}, timeout=5)
    assert response.status_code == 400 and "stripe_rps" in response.json()["error"]


def test_serve_announces_a_free_port_and_answers_health(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from loop_assets.sandbox.server import serve;"
         " serve(Path(sys.argv[1]), port=0)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("sandbox listening on http://127.0.0.1:")
        url = line.removeprefix("sandbox listening on ")
        assert requests.get(f"{url}/_sandbox/health", timeout=5).json() == {"ok": True}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_activity_advances_the_apps_and_returns_what_changed(sandbox):
    from loop_assets.sandbox.generator import generate

    generate(sandbox.store, sandbox.state_dir, customers=5, days=2)
    response = requests.post(f"{sandbox.url}/_sandbox/activity", json={"minutes": 30}, timeout=30)
    assert response.status_code == 200
    assert sum(response.json().values()) > 0
    assert requests.post(f"{sandbox.url}/_sandbox/activity", json={"minutes": -1}, timeout=5).status_code == 400
