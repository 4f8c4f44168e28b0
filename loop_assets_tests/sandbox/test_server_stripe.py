"""The emulated Stripe API, over real HTTP: pagination, filters, errors, metadata updates, idempotency."""

from __future__ import annotations

import time

import pytest
import requests

from loop_assets.sandbox.store import now

from .seeds import seed_customer, seed_stripe_object

DAY = 86400


def walk(sandbox, resource: str, params: dict) -> list[str]:
    ids, cursor = [], {}
    while True:
        page = sandbox.call("stripe", "GET", f"/v1/{resource}", params={**params, **cursor}).json()
        assert page["object"] == "list" and page["url"] == f"/v1/{resource}"
        ids += [obj["id"] for obj in page["data"]]
        if not page["has_more"]:
            return ids
        cursor = {"starting_after": page["data"][-1]["id"]}


def test_customer_pages_walk_every_customer_once_newest_first_then_by_id(sandbox):
    base = now() - 10 * DAY
    created = {"cus_a": base, "cus_b": base + 5, "cus_c": base + 5, "cus_d": base + 9, "cus_e": base + 1,
               "cus_f": base + 5, "cus_g": base + 20}
    for customer_id, at in created.items():
        seed_customer(sandbox.store, customer_id, at)
    expected = sorted(created, key=lambda cid: (created[cid], cid), reverse=True)

    assert walk(sandbox, "customers", {"limit": 3}) == expected
    assert walk(sandbox, "customers", {}) == expected  # default limit 10: one page

    before = sandbox.call("stripe", "GET", "/v1/customers", params={"limit": 2, "ending_before": expected[4]}).json()
    assert [c["id"] for c in before["data"]] == expected[2:4]
    assert before["has_more"] is True


def test_both_cursors_at_once_is_a_400_naming_the_param(sandbox):
    seed_customer(sandbox.store, "cus_a", now())
    response = sandbox.call("stripe", "GET", "/v1/customers",
                            params={"starting_after": "cus_a", "ending_before": "cus_a"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == "ending_before"


@pytest.mark.parametrize("limit", ["0", "101", "ten"], ids=["zero", "over-100", "not-a-number"])
def test_a_limit_outside_1_to_100_is_a_400(sandbox, limit):
    response = sandbox.call("stripe", "GET", "/v1/charges", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"


def test_created_ranges_and_customer_filter_select_charges(sandbox):
    base = now() - DAY
    for i in range(6):
        seed_stripe_object(sandbox.store, "charge", f"ch_{i}", base + i, customer="cus_x" if i % 2 else "cus_y",
                           amount=100 * i, currency="usd")
    response = sandbox.call("stripe", "GET", "/v1/charges",
                            params={"customer": "cus_x", "created[gte]": base + 1, "created[lt]": base + 5})
    assert [c["id"] for c in response.json()["data"]] == ["ch_3", "ch_1"]
    exact = sandbox.call("stripe", "GET", "/v1/charges", params={"created": base + 2}).json()
    assert [c["id"] for c in exact["data"]] == ["ch_2"]


def test_subscriptions_hide_canceled_ones_unless_asked(sandbox):
    for i, status in enumerate(["active", "canceled", "trialing"]):
        seed_stripe_object(sandbox.store, "subscription", f"sub_{status}", now() - i, status=status)
    listed = {s: [x["id"] for x in sandbox.call("stripe", "GET", "/v1/subscriptions",
                                                params={"status": s} if s else {}).json()["data"]]
              for s in (None, "all", "canceled")}
    assert listed == {None: ["sub_active", "sub_trialing"], "all": ["sub_active", "sub_canceled", "sub_trialing"],
                      "canceled": ["sub_canceled"]}


def test_events_filter_by_type_wildcard_and_types_and_keep_only_30_days(sandbox):
    events = {"evt_1": ("customer.created", 1), "evt_2": ("customer.updated", 2), "evt_3": ("charge.succeeded", 3),
              "evt_old": ("customer.updated", 31 * DAY)}
    for event_id, (event_type, age) in events.items():
        seed_stripe_object(sandbox.store, "event", event_id, now() - age, type=event_type)

    def ids(params):
        return [e["id"] for e in sandbox.call("stripe", "GET", "/v1/events", params=params).json()["data"]]

    assert ids({}) == ["evt_1", "evt_2", "evt_3"]
    assert ids({"type": "customer.*"}) == ["evt_1", "evt_2"]
    assert ids({"types[]": ["charge.succeeded", "customer.created"]}) == ["evt_1", "evt_3"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk_test_wrong"}], ids=["missing", "wrong"])
def test_a_missing_or_wrong_key_gets_stripes_401_without_echoing_it(sandbox, headers):
    response = requests.get(f"{sandbox.url}/stripe/v1/customers", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "sk_test_wrong" not in response.text


def test_responses_carry_a_request_id_and_echo_the_pinned_version(sandbox):
    response = sandbox.call("stripe", "GET", "/v1/customers", headers={"Stripe-Version": "2024-06-20"})
    assert response.headers["Stripe-Version"] == "2024-06-20"
    assert response.headers["Request-Id"].startswith("req_")


def test_metadata_update_merges_unsets_and_records_a_customer_updated_event(sandbox):
    seed_customer(sandbox.store, "cus_m", now() - DAY, metadata={"tier": "silver", "old": "x"})
    response = sandbox.call("stripe", "POST", "/v1/customers/cus_m",
                            data={"metadata[tier]": "gold", "metadata[score]": "87", "metadata[old]": ""})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"tier": "gold", "score": "87"}
    assert sandbox.call("stripe", "GET", "/v1/customers/cus_m").json()["metadata"] == {"tier": "gold", "score": "87"}

    events = sandbox.call("stripe", "GET", "/v1/events", params={"type": "customer.updated"}).json()["data"]
    assert len(events) == 1
    assert events[0]["data"]["object"]["metadata"] == {"tier": "gold", "score": "87"}
    assert events[0]["data"]["previous_attributes"] == {"metadata": {"tier": "silver", "score": None, "old": "x"}}


def test_events_list_newest_first_in_the_order_they_happened_even_within_one_second(sandbox):
    sandbox.configure(stripe_requests_per_second=1000)
    seed_customer(sandbox.store, "cus_m", now() - DAY)
    for step in range(30):  # well within a second or two: most share their `created`
        sandbox.call("stripe", "POST", "/v1/customers/cus_m", data={"metadata[step]": str(step)})
    events = sandbox.call("stripe", "GET", "/v1/events", params={"type": "customer.updated", "limit": 100}).json()
    listed = [int(e["data"]["object"]["metadata"]["step"]) for e in events["data"]]
    assert listed == list(reversed(range(30)))
    assert [e["id"] for e in events["data"]] == sorted((e["id"] for e in events["data"]), reverse=True)


@pytest.mark.parametrize("data, param", [
    ({"metadata[" + "k" * 41 + "]": "v"}, "metadata[" + "k" * 41 + "]"),
    ({"metadata[note]": "v" * 501}, "metadata[note]"),
    ({f"metadata[k{i}]": "v" for i in range(51)}, "metadata"),
    ({"email": "a@b.example"}, "email"),
], ids=["key-over-40", "value-over-500", "over-50-keys", "unknown-param"])
def test_metadata_over_stripes_limits_is_a_400_naming_the_param(sandbox, data, param):
    seed_customer(sandbox.store, "cus_m", now())
    response = sandbox.call("stripe", "POST", "/v1/customers/cus_m", data=data)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert sandbox.call("stripe", "GET", "/v1/customers/cus_m").json()["metadata"] == {}


def test_an_unknown_customer_is_a_404_resource_missing(sandbox):
    response = sandbox.call("stripe", "GET", "/v1/customers/cus_nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


def test_an_idempotency_key_replays_the_first_response_and_refuses_other_params(sandbox):
    seed_customer(sandbox.store, "cus_i", now() - DAY)
    key = {"Idempotency-Key": "sync-cus_i-abc"}
    first = sandbox.call("stripe", "POST", "/v1/customers/cus_i", data={"metadata[tier]": "gold"}, headers=key)
    sandbox.store.put("stripe", "customer", {**first.json(), "metadata": {"tier": "changed-since"}},
                      created=first.json()["created"])
    replay = sandbox.call("stripe", "POST", "/v1/customers/cus_i", data={"metadata[tier]": "gold"}, headers=key)
    assert "Idempotent-Replayed" not in first.headers
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert len(sandbox.call("stripe", "GET", "/v1/events").json()["data"]) == 1  # one update, one event

    other = sandbox.call("stripe", "POST", "/v1/customers/cus_i", data={"metadata[tier]": "bronze"}, headers=key)
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"


def test_requests_over_the_configured_rate_are_429s_stripe_says_to_retry(sandbox):
    sandbox.configure(stripe_requests_per_second=2)
    responses = [sandbox.call("stripe", "GET", "/v1/customers") for _ in range(8)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, "8 quick requests at 2 per second were all allowed"
    assert limited[0].json()["error"]["code"] == "rate_limit"
    assert limited[0].headers["Stripe-Should-Retry"] == "true"
    assert "Retry-After" not in limited[0].headers
    time.sleep(1.05)
    assert sandbox.call("stripe", "GET", "/v1/customers").status_code == 200
