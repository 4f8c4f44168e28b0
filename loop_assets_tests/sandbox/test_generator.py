"""The generator: deterministic, proportional, linked across apps with deliberate gaps, messy Segment files."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from loop_assets.sandbox.generator import generate
from loop_assets.sandbox.segment_landing import day_ms
from loop_assets.sandbox.store import Store

from .landing import landed_lines

NOW = 1767614400  # 2026-01-05T12:00:00Z, a Monday
CUSTOMERS = 120


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Store, Path, dict[str, int]]:
    state_dir = tmp_path_factory.mktemp("generated")
    store = Store(state_dir / "state.db")
    counts = generate(store, state_dir, customers=CUSTOMERS, days=90, now=NOW)
    yield store, state_dir, counts
    store.close()


def bodies(store: Store, app: str, kind: str) -> list[dict]:
    return list(store.all(app, kind))


def test_same_seed_and_now_give_identical_objects_ids_and_files(tmp_path):
    snapshots = []
    for name in ("first", "second"):
        state_dir = tmp_path / name
        store = Store(state_dir / "state.db")
        generate(store, state_dir, customers=25, days=14, seed=3, now=NOW)
        rows = [tuple(row) for row in store.query(
            "select app, kind, id, created, updated, seq, body from objects order by app, kind, id")]
        files = {str(path.relative_to(state_dir)): gzip.decompress(path.read_bytes())
                 for path in sorted(state_dir.glob("segment-logs/**/*.gz"))}
        snapshots.append((rows, files))
        store.close()
    assert snapshots[0] == snapshots[1]
    assert snapshots[0][0] and snapshots[0][1]


def test_another_seed_gives_other_ids(tmp_path):
    ids = []
    for seed in (1, 2):
        store = Store(tmp_path / str(seed) / "state.db")
        generate(store, tmp_path / str(seed), customers=5, days=3, seed=seed, now=NOW)
        ids.append({row[0] for row in store.query("select id from objects where kind = 'customer'")})
    assert not ids[0] & ids[1]


def test_volumes_are_proportional_to_customers(generated):
    store, _, counts = generated
    assert counts["stripe.customer"] == store.count("stripe", "customer") == CUSTOMERS
    assert counts["stripe.subscription"] == CUSTOMERS
    assert 0.75 * CUSTOMERS <= counts["zendesk.organization"] <= CUSTOMERS
    assert 2 * CUSTOMERS <= counts["zendesk.user"] <= 4 * CUSTOMERS
    assert counts["zendesk.ticket"] == CUSTOMERS
    assert 1.8 * CUSTOMERS <= counts["stripe.invoice"] <= 3.2 * CUSTOMERS
    assert 6 * CUSTOMERS <= counts["stripe.charge"] <= 14 * CUSTOMERS
    assert 1.0 * CUSTOMERS * 90 <= counts["segment.line"] <= 2.0 * CUSTOMERS * 90
    assert counts["segment.file"] >= 80 * 24  # about one file per hour of received time


def test_spend_is_heavy_tailed_and_fates_are_mixed(generated):
    store, _, _ = generated
    subscriptions = bodies(store, "stripe", "subscription")
    spend = sorted(s["items"]["data"][0]["price"]["unit_amount"] * s["items"]["data"][0]["quantity"]
                   for s in subscriptions)
    top_tenth = spend[-len(spend) // 10:]
    assert sum(top_tenth) > 0.4 * sum(spend)
    statuses = Counter(s["status"] for s in subscriptions)
    assert statuses["active"] > statuses["canceled"] > 0
    assert statuses["past_due"] > 0
    canceled = [s for s in subscriptions if s["status"] == "canceled"]
    assert all(s["canceled_at"] and s["ended_at"] for s in canceled)


def test_stripe_objects_carry_the_basil_shape_and_events_cover_30_days(generated):
    store, _, _ = generated
    invoice = next(iter(store.all("stripe", "invoice")))
    assert "subscription" not in invoice
    assert invoice["parent"]["subscription_details"]["subscription"].startswith("sub_")
    charges = bodies(store, "stripe", "charge")
    assert {c["status"] for c in charges} == {"succeeded", "failed"}
    assert any(c["refunded"] for c in charges)
    assert all(c["id"].startswith("ch_") and c["customer"].startswith("cus_") for c in charges)
    events = bodies(store, "stripe", "event")
    assert min(e["created"] for e in events) > NOW - 30 * 86400
    assert {"customer.created", "charge.succeeded", "charge.failed", "invoice.paid",
            "customer.subscription.deleted"} <= {e["type"] for e in events}


def test_companies_link_across_apps_with_some_links_missing(generated):
    store, state_dir, _ = generated
    customers = {c["id"]: c for c in store.all("stripe", "customer")}
    organizations = bodies(store, "zendesk", "organization")
    linked = [o for o in organizations if o["external_id"] in customers]
    assert 0.7 * len(organizations) <= len(linked) < len(organizations)
    assert all(o["external_id"] is None for o in organizations if o not in linked)
    domains = {o["domain_names"][0] for o in organizations}
    users = [u for u in store.all("zendesk", "user") if u["role"] == "end-user"]
    on_gmail = [u for u in users if u["email"].endswith("@gmail.com")]
    assert on_gmail and all(u["organization_id"] is None for u in on_gmail)
    assert any(u["email"] != u["email"].lower() and u["email"].split("@")[1].lower() in domains for u in users)

    calls = [json.loads(line) for _, line in landed_lines(state_dir) if _parses(line)]
    segment_users = {c.get("userId") for c in calls}
    with_external_id = [u for u in users if u["external_id"]]
    assert 0.4 * len(users) < len(with_external_id) < 0.8 * len(users)
    # quiet users and accounts churned early may have sent nothing in the window
    assert sum(u["external_id"] in segment_users for u in with_external_id) > 0.7 * len(with_external_id)
    group_ids = {c["groupId"] for c in calls if c.get("type") == "group"}
    assert group_ids & set(customers) and group_ids & domains
    emails = {c["traits"]["email"].lower() for c in calls if c.get("type") == "identify"}
    assert emails & {u["email"].lower() for u in users}


def test_landing_files_hold_duplicates_late_arrivals_and_broken_lines(generated):
    _, state_dir, _ = generated
    lines = landed_lines(state_dir)
    broken = [line for _, line in lines if not _parses(line)]
    calls = [(path, json.loads(line)) for path, line in lines if _parses(line)]
    missing_id = [c for _, c in calls if "messageId" not in c]
    string_numbers = [c for _, c in calls if isinstance(c.get("properties", {}).get("duration_ms"), str)]
    assert broken and missing_id and string_numbers
    assert len(broken) + len(missing_id) + len(string_numbers) < 10 * 90

    message_ids = Counter(c["messageId"] for _, c in calls if "messageId" in c)
    duplicates = sum(n - 1 for n in message_ids.values())
    assert 0.003 * len(calls) < duplicates < 0.03 * len(calls)
    files_per_id: dict[str, set[Path]] = {}
    for path, call in calls:
        files_per_id.setdefault(call.get("messageId"), set()).add(path)
    assert any(len(files) > 1 for message_id, files in files_per_id.items() if message_id)

    late_in_later_folder = [
        c for path, c in calls
        if _epoch(c["receivedAt"]) - _epoch(c["timestamp"]) > 3600
        and int(path.parent.name) > day_ms(_epoch(c["timestamp"]))]
    assert late_in_later_folder
    assert all(int(path.parent.name) == day_ms(_epoch(c["receivedAt"])) for path, c in calls[:500])


def test_weekdays_are_busier_than_weekends(generated):
    _, state_dir, _ = generated
    per_weekday = Counter()
    for _, line in landed_lines(state_dir):
        if _parses(line):
            per_weekday[(int(_epoch(json.loads(line)["timestamp"])) // 86400 + 3) % 7] += 1
    assert min(per_weekday[d] for d in range(5)) > 1.5 * max(per_weekday[5], per_weekday[6])


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _epoch(text: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
