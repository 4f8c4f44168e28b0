"""`python -m loop_assets.sync why ...` answers from the audit log and the model row, reading the warehouse only."""

from __future__ import annotations

import subprocess
import sys

from loop_assets.sync.specs import SYNCS

from .conftest import sync, write_model

TICKETS_SYNC = next(spec for spec in SYNCS if spec.name == "zendesk__tickets_sync")


def why(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loop_assets.sync", "why", *args], capture_output=True, text=True)


def test_why_prints_the_pushes_and_the_reason_behind_a_ticket_priority(fast_sandbox, warehouse):
    # Statuses in the generated history depend on the tickets' ages on the day the test runs: any ticket
    # not closed (Zendesk refuses updates to closed ones) and with no priority yet will do.
    ticket = next(t for t in fast_sandbox.store().all("zendesk", "ticket")
                  if t["status"] != "closed" and t["priority"] is None)
    write_model(warehouse, "outbound_zendesk__tickets", [
        {"ticket_id": ticket["id"], "priority": "urgent", "tags": ["loop_tier_strategic"], "loop_tier": "strategic"}])
    write_model(warehouse, "ticket_priority", [
        {"ticket_id": ticket["id"], "tier": "strategic", "reason": "account cus_1 via requester: worth $9,000 a month"}])
    sync(TICKETS_SYNC, fast_sandbox, warehouse)

    done = why("zendesk", "ticket", str(ticket["id"]), "--warehouse", warehouse.database)
    assert done.returncode == 0, done.stderr
    assert f'priority: null -> "urgent"' in done.stdout
    assert "Current row of ticket_priority:" in done.stdout
    assert "reason: account cus_1 via requester: worth $9,000 a month" in done.stdout


def test_why_names_the_known_syncs_for_an_object_no_sync_writes(warehouse):
    done = why("zendesk", "macro", "1", "--warehouse", warehouse.database)
    assert done.returncode == 2
    assert "no sync writes zendesk macro" in done.stderr and "zendesk tickets" in done.stderr
