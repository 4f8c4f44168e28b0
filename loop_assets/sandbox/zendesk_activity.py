"""Live Zendesk work for `activity`: new tickets and users, and agents moving tickets along."""

from __future__ import annotations

import json
import random

from . import zendesk_objects as zo
from .store import Store, now as clock
from .world import FIRST_NAMES, LAST_NAMES, Company
from .zendesk_history import SUBJECTS, USER_IDS_START

# What an agent does next with a ticket in each status.
NEXT_STATUSES = {"new": ("open",), "open": ("pending", "solved", "solved"), "pending": ("open", "solved"),
                 "hold": ("open",), "solved": ("closed",)}


def create_ticket(store: Store, *, requester_id: int, subject: str, now: int | None = None) -> dict:
    """Open one new ticket (status new, no priority) for an existing end-user; returns its body."""
    at = clock() if now is None else now
    requester = store.get("zendesk", "user", requester_id)
    if requester is None:
        raise ValueError(f"Zendesk sandbox has no user {requester_id} to open a ticket for")
    ticket = zo.ticket(store.next_value("zendesk.ticket"), subject=subject,
                       description=f"Hi team,\n\n{subject}\n\nThanks,\n{requester['name']}",
                       requester_id=requester_id, organization_id=requester["organization_id"],
                       created=at, updated=at)
    return store.put("zendesk", "ticket", ticket, created=at, updated=at)


def end_user_ids(store: Store) -> list[int]:
    """Every end-user who could open a ticket, in a stable order."""
    return [int(row[0]) for row in store.query(
        "select id from objects where app = 'zendesk' and kind = 'user' "
        "and json_extract(body, '$.role') = 'end-user' order by id")]


def open_random_ticket(store: Store, rng: random.Random, requester_id: int, *, at: int) -> dict:
    """A customer writes in about something plausible."""
    template, _ = rng.choice(SUBJECTS)
    return create_ticket(store, requester_id=requester_id, now=at,
                         subject=template.format(feature=rng.choice(("reports", "alerts", "exports", "webhooks"))))


def unfinished_tickets(store: Store) -> list[tuple[dict, int]]:
    """Tickets an agent can still move (anything not closed) with their created time, in a stable order."""
    return [(json.loads(row[0]), row[1]) for row in store.query(
        "select body, created from objects where app = 'zendesk' and kind = 'ticket' "
        "and json_extract(body, '$.status') != 'closed' order by cast(id as integer)")]


def move_ticket(store: Store, rng: random.Random, ticket: dict, *, created: int, at: int) -> dict:
    """An agent changes a ticket's status (assigning it when picking it up); `updated_at` moves to `at`."""
    changed = {**ticket, "status": rng.choice(NEXT_STATUSES[ticket["status"]]), "updated_at": zo.iso(at)}
    if ticket["assignee_id"] is None:
        agents = [int(row[0]) for row in store.query(
            "select id from objects where app = 'zendesk' and kind = 'user' "
            "and json_extract(body, '$.role') = 'agent' order by id")]
        changed.update(assignee_id=rng.choice(agents) if agents else None,
                       group_id=rng.choice(zo.SUPPORT_GROUP_IDS))
    return store.put("zendesk", "ticket", changed, created=created, updated=at)


def add_user(store: Store, rng: random.Random, *, at: int, company: Company | None = None) -> dict:
    """A new requester: the first person of a new company, or a newcomer at an existing organization."""
    if company is not None:
        person = company.people[0]
        name, email, organization_id = person.name, person.email, None
    else:
        row = store.query("select id, body from objects where app = 'zendesk' and kind = 'organization' "
                          "order by id limit 1 offset ?",
                          (rng.randrange(max(1, store.count("zendesk", "organization"))),))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        if row:
            org = json.loads(row[0]["body"])
            email, organization_id = f"{first}.{last}@{org['domain_names'][0]}".lower(), org["id"]
        else:
            email, organization_id = f"{first}.{last}@gmail.com".lower(), None
    user = zo.user(store.next_value("zendesk.user", start=USER_IDS_START), name=name, email=email,
                   organization_id=organization_id, external_id=None, created=at)
    return store.put("zendesk", "user", user, created=at)
