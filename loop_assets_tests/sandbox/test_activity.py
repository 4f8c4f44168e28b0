"""`activity`: the sandbox apps keep moving after the generated history, visibly to incremental syncs."""

from __future__ import annotations

import json

import pytest

from loop_assets.sandbox.activity import advance, create_ticket
from loop_assets.sandbox.generator import generate
from loop_assets.sandbox.store import Store

from .landing import landed_lines

GENERATED_AT = 1767614400  # 2026-01-05T12:00:00Z, a Monday
HOUR = 3600


@pytest.fixture
def sandbox_state(tmp_path):
    store = Store(tmp_path / "state.db")
    generate(store, tmp_path, customers=40, days=7, now=GENERATED_AT)
    yield store, tmp_path
    store.close()


def newer_than(store: Store, app: str, kind: str, moment: int, column: str = "updated") -> list[dict]:
    return [json.loads(row[0]) for row in store.query(
        f"select body from objects where app = ? and kind = ? and {column} > ?", (app, kind, moment))]


def test_an_hour_of_activity_adds_charges_tickets_changes_and_stripe_events(sandbox_state):
    store, state_dir = sandbox_state
    counts = advance(store, state_dir, minutes=60, now=GENERATED_AT + HOUR, seed=1)

    charges = newer_than(store, "stripe", "charge", GENERATED_AT, "created")
    assert len(charges) == counts["stripe.charge"] >= 1
    events = newer_than(store, "stripe", "event", GENERATED_AT, "created")
    event_types = {e["type"] for e in events}
    assert {"customer.created", "customer.subscription.created"} <= event_types
    assert event_types & {"charge.succeeded", "charge.failed"}
    assert event_types & {"customer.subscription.updated", "customer.subscription.deleted"}
    assert all(GENERATED_AT < e["created"] <= GENERATED_AT + HOUR for e in events)

    tickets = newer_than(store, "zendesk", "ticket", GENERATED_AT)
    new_tickets = [t for t in tickets if t["created_at"] == t["updated_at"]]
    assert new_tickets and all(t["status"] == "new" and t["priority"] is None for t in new_tickets)
    moved = [t for t in tickets if t["created_at"] < "2026-01-05T12:00:00Z"]
    assert len(moved) == counts["zendesk.ticket.changed"]
    assert newer_than(store, "zendesk", "user", GENERATED_AT, "created")
    assert counts["segment.line"] > 0
    assert any(path.name == f"{GENERATED_AT + HOUR}-activity.gz" for path, _ in landed_lines(state_dir))


def test_activity_continues_zendesk_ids_after_the_generated_ones(sandbox_state):
    store, state_dir = sandbox_state
    last_generated = max(int(row[0]) for row in store.query(
        "select id from objects where app = 'zendesk' and kind = 'ticket'"))
    advance(store, state_dir, minutes=30, now=GENERATED_AT + HOUR, seed=2)
    new_ids = [t["id"] for t in newer_than(store, "zendesk", "ticket", GENERATED_AT, "created")]
    assert new_ids and min(new_ids) == last_generated + 1


def test_activity_does_not_land_segment_calls_twice_for_the_same_window(sandbox_state):
    store, state_dir = sandbox_state
    before = len(landed_lines(state_dir))
    counts = advance(store, state_dir, minutes=120, now=GENERATED_AT, seed=3)
    assert "segment.line" not in counts
    assert len(landed_lines(state_dir)) == before


def test_create_ticket_opens_one_new_ticket_for_the_requester(sandbox_state):
    store, _ = sandbox_state
    requester = next(u for u in store.all("zendesk", "user") if u["role"] == "end-user")
    ticket = create_ticket(store, requester_id=requester["id"], subject="Exports time out",
                           now=GENERATED_AT + 60)
    assert store.get("zendesk", "ticket", ticket["id"]) == ticket
    assert (ticket["status"], ticket["priority"], ticket["requester_id"]) == ("new", None, requester["id"])
    assert ticket["organization_id"] == requester["organization_id"]
    assert ticket["updated_at"] == "2026-01-05T12:01:00Z"


def test_create_ticket_names_an_unknown_requester(sandbox_state):
    store, _ = sandbox_state
    with pytest.raises(ValueError, match="no user 42"):
        create_ticket(store, requester_id=42, subject="Hello")
