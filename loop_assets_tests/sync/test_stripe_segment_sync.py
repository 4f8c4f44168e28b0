"""Stripe metadata and Segment traits syncs: one call per customer, batched identifies, faults and mirror removal."""

from __future__ import annotations

import pytest

from loop_assets.sync.specs import SyncSpec

from .conftest import meta, sync, write_model

CUSTOMERS = SyncSpec(
    "stripe", "stripe_customers", "test_customers_sync", "test_customers", "customer_id",
    (("loop_tier", "metadata.loop_tier"), ("loop_score", "metadata.loop_score")),
    raw="stripe__customers", mode="mirror", batch_size=1, requests_per_second=1000, max_change_share=1.0,
)
TRAITS = SyncSpec(
    "segment", "segment_traits", "test_traits_sync", "test_traits", "user_id",
    (("loop_tier", "traits.loop_tier"), ("loop_score", "traits.loop_score")),
    mode="upsert", batch_size=2500, requests_per_second=1000,
)


def customer_rows(sandbox, limit=None) -> list[dict]:
    ids = sorted(c["id"] for c in sandbox.store().all("stripe", "customer"))[:limit]
    return [{"customer_id": i, "loop_tier": ("high", "low")[n % 2], "loop_score": str(n)} for n, i in enumerate(ids)]


def app_metadata(sandbox) -> dict[str, dict]:
    return {c["id"]: {k: v for k, v in (c.get("metadata") or {}).items() if k.startswith("loop_")}
            for c in sandbox.store().all("stripe", "customer")}


def stripe_updates(sandbox) -> int:
    return sum(1 for e in sandbox.store().all("stripe", "event") if e["type"] == "customer.updated")


@pytest.mark.parametrize("fault", [
    None,
    {"kind": "rate_limit", "count": 4},
    {"kind": "server_error", "count": 3},
    {"kind": "drop_connection", "count": 3},
], ids=["no-faults", "429-storm", "5xx", "dropped-connections"])
def test_stripe_metadata_ends_equal_to_the_model_with_one_update_per_customer(sandbox, warehouse, fault):
    rows = customer_rows(sandbox)
    write_model(warehouse, "test_customers", rows)
    events_before = stripe_updates(sandbox)
    if fault:
        sandbox.inject(app="stripe", path="/v1/customers", method="POST", after=2, **fault)
    m = meta(sync(CUSTOMERS, sandbox, warehouse), CUSTOMERS)
    assert {k: v for k, v in app_metadata(sandbox).items() if v} == {
        r["customer_id"]: {"loop_tier": r["loop_tier"], "loop_score": r["loop_score"]} for r in rows}
    assert m["requests_sent"] == len(rows)
    # Idempotency keys: a retried POST does not apply (or announce) the change twice.
    assert stripe_updates(sandbox) - events_before == len(rows)
    if fault:
        assert m["retries"] >= fault["count"]


def test_mirror_mode_unsets_the_metadata_of_customers_that_leave_the_model(sandbox, warehouse):
    rows = customer_rows(sandbox, limit=6)
    write_model(warehouse, "test_customers", rows)
    sync(CUSTOMERS, sandbox, warehouse)
    write_model(warehouse, "test_customers", rows[:4])
    m = meta(sync(CUSTOMERS, sandbox, warehouse), CUSTOMERS)
    assert (m["rows_removed"], m["requests_sent"]) == (2, 2)
    metadata = app_metadata(sandbox)
    assert all(metadata[r["customer_id"]] == {} for r in rows[4:])
    assert all(metadata[r["customer_id"]] for r in rows[:4])
    # The removed rows left the delivered state: they are not cleared again.
    assert meta(sync(CUSTOMERS, sandbox, warehouse), CUSTOMERS)["requests_sent"] == 0


@pytest.mark.parametrize("fault", [None, {"kind": "server_error", "count": 2}, {"kind": "drop_connection", "count": 2}],
                         ids=["no-faults", "5xx", "dropped-connections"])
def test_segment_traits_go_out_in_one_batch_with_stable_message_ids(sandbox, warehouse, fault):
    rows = [{"user_id": f"user_{n}", "loop_tier": "high", "loop_score": n} for n in range(30)]
    write_model(warehouse, "test_traits", rows)
    if fault:
        sandbox.inject(app="segment", **fault)
    first = meta(sync(TRAITS, sandbox, warehouse), TRAITS)
    assert first["requests_sent"] == 1
    profiles = {p["id"]: p["traits"] for p in sandbox.store().all("segment", "profile")}
    assert {u: profiles[u] for u in profiles if u.startswith("user_")} == {
        r["user_id"]: {"loop_tier": "high", "loop_score": r["loop_score"]} for r in rows}
    assert meta(sync(TRAITS, sandbox, warehouse), TRAITS)["requests_sent"] == 0
    rows[3]["loop_tier"] = "low"
    write_model(warehouse, "test_traits", rows)
    assert meta(sync(TRAITS, sandbox, warehouse), TRAITS)["requests_sent"] == 1
    assert sandbox.store().get("segment", "profile", "user_3")["traits"]["loop_tier"] == "low"
