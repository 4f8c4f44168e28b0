"""The Zendesk side of the generated history: organizations, users, agents, ticket fields and tickets.

Ids grow with creation time, as Zendesk assigns them, from the store counters `zendesk.organization`,
`zendesk.user` and `zendesk.ticket` (which `activity` continues). About one ticket per customer per 90
days, more from bigger accounts and from their most active people; older tickets are mostly solved or
closed, recent ones new, open or pending; priority is mostly unset.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import zendesk_objects as zo
from .bulk import BulkWriter
from .segment_calls import FEATURES
from .world import DAY, Company, Person

ORGANIZATION_IDS_START = 360_000_000_001
USER_IDS_START = 380_000_000_001
TICKETS_PER_CUSTOMER_90_DAYS = 1.0
SUBJECTS = (("Can't export {feature}", "reporting"), ("Question about {feature}", "account"),
            ("How do I set up {feature}?", "integrations"), ("{feature} is very slow today", "performance"),
            ("Error 500 when using {feature}", "api"), ("Our invoice looks wrong", "billing"),
            ("Please add seats to our plan", "billing"), ("How do we cancel our subscription?", "billing"),
            ("API rate limit on {feature}", "api"), ("Invite teammates to {feature}", "account"))
PRIORITIES = (None, "urgent", "high", "normal", "low")
PRIORITY_WEIGHTS = (80, 2, 6, 9, 3)
TYPES = (None, "question", "incident", "problem", "task")
TYPE_WEIGHTS = (40, 30, 20, 5, 5)


@dataclass(frozen=True)
class Requester:
    """A Zendesk end-user who may open tickets, with how likely they are to do so."""

    user_id: int
    organization_id: int | None
    name: str
    weight: float


def write_zendesk_history(writer: BulkWriter, world: list[Company], *, seed: int, now: int, days: int) -> None:
    """Queue every Zendesk object of the window into `writer`."""
    rng = random.Random(f"zendesk:{seed}")
    for field in zo.ticket_fields(now - 365 * DAY):
        writer.add("zendesk", "ticket_field", field, created=now - 365 * DAY)
    organizations = _organizations(writer, rng, world, now=now)
    agents = _agents(writer, customers=len(world), now=now, days=days)
    requesters = _users(writer, rng, world, organizations, now=now)
    _tickets(writer, rng, requesters, agents, customers=len(world), now=now, days=days)


def _organizations(writer: BulkWriter, rng: random.Random, world: list[Company], *, now: int) -> dict[str, int]:
    """Organization ids by customer id, for the companies that have one."""
    rows = sorted((min(now - 120, company.created + rng.randint(0, 30 * DAY)), index)
                  for index, company in enumerate(world) if company.has_organization)
    first = writer.store.reserve_values("zendesk.organization", len(rows), start=ORGANIZATION_IDS_START) if rows else 0
    ids = {}
    for offset, (created, index) in enumerate(rows):
        company = world[index]
        org = zo.organization(first + offset, name=company.name, domain=company.domain, created=created,
                              external_id=company.customer_id if company.organization_linked else None)
        writer.add("zendesk", "organization", org, created=created)
        ids[company.customer_id] = org["id"]
    return ids


def _agents(writer: BulkWriter, *, customers: int, now: int, days: int) -> list[int]:
    count = max(3, customers // 250)
    first = writer.store.reserve_values("zendesk.user", count, start=USER_IDS_START)
    created = now - (days + 365) * DAY
    for offset in range(count):
        name = f"Support Agent {offset + 1}"
        agent = zo.user(first + offset, name=name, email=f"agent{offset + 1}@loop-sandbox.example",
                        organization_id=None, external_id=None, created=created, role="agent")
        writer.add("zendesk", "user", agent, created=created)
    return list(range(first, first + count))


def _users(writer: BulkWriter, rng: random.Random, world: list[Company], organizations: dict[str, int], *,
           now: int) -> list[Requester]:
    people: list[tuple[int, Company, Person]] = []
    for company in world:
        for person in company.people:
            if person.zendesk_email:
                people.append((min(now - 120, company.created + rng.randint(0, 60 * DAY)), company, person))
    people.sort(key=lambda row: (row[0], row[2].user_id))
    first = writer.store.reserve_values("zendesk.user", len(people), start=USER_IDS_START) if people else 0
    requesters = []
    for offset, (created, company, person) in enumerate(people):
        on_gmail = person.zendesk_email.endswith("@gmail.com")
        organization_id = None if on_gmail else organizations.get(company.customer_id)
        body = zo.user(first + offset, name=person.name, email=person.zendesk_email,
                       organization_id=organization_id, created=created,
                       external_id=person.user_id if person.zendesk_linked else None)
        writer.add("zendesk", "user", body, created=created)
        health = 1.6 if company.fate in ("past_due", "churned") else 1.0
        requesters.append(Requester(body["id"], organization_id, person.name,
                                    company.size * health * person.weight ** 0.5))
    return requesters


def _tickets(writer: BulkWriter, rng: random.Random, requesters: list[Requester], agents: list[int], *,
             customers: int, now: int, days: int) -> None:
    if not requesters:
        return
    total = round(customers * TICKETS_PER_CUSTOMER_90_DAYS * days / 90)
    chosen = rng.choices(requesters, [r.weight for r in requesters], k=total)
    opened = sorted((_business_time(rng, now - days * DAY, now), index) for index in range(total))
    first = writer.store.reserve_values("zendesk.ticket", total) if total else 0
    for offset, (created, index) in enumerate(opened):
        body, updated = _history_ticket(rng, first + offset, chosen[index], agents, created=created, now=now)
        writer.add("zendesk", "ticket", body, created=created, updated=updated)


def _history_ticket(rng: random.Random, ticket_id: int, requester: Requester, agents: list[int], *, created: int,
                   now: int) -> tuple[dict, int]:
    """A ticket opened at `created` whose status by `now` depends on its age, and its last change."""
    age = now - created
    if age < DAY:
        status = rng.choices(("new", "open", "pending"), (40, 40, 20))[0]
    elif age < 7 * DAY:
        status = rng.choices(("open", "pending", "hold", "solved"), (25, 20, 5, 50))[0]
    else:
        status = rng.choices(("closed", "solved", "open", "pending"), (60, 32, 4, 4))[0]
    updated = created if status == "new" else created + rng.randint(60, max(60, min(age, 4 * DAY)))
    if status == "closed":
        updated = created + rng.randint(4 * DAY, 10 * DAY)
    updated = min(updated, now)
    template, area = rng.choice(SUBJECTS)
    subject = template.format(feature=rng.choice(FEATURES).replace("_", " "))
    body = zo.ticket(
        ticket_id, subject=subject, requester_id=requester.user_id, organization_id=requester.organization_id,
        description=f"Hi team,\n\n{subject}. Could you take a look?\n\nThanks,\n{requester.name}",
        created=created, updated=updated, status=status,
        priority=rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0], ticket_type=rng.choices(TYPES, TYPE_WEIGHTS)[0],
        assignee_id=None if status == "new" else rng.choice(agents),
        group_id=None if status == "new" else rng.choice(zo.SUPPORT_GROUP_IDS),
        product_area=None if status == "new" else area, tags=[area],
    )
    return body, updated


def _business_time(rng: random.Random, start: int, end: int) -> int:
    """A moment in [start, end], three times likelier on a weekday than on a weekend."""
    while True:
        moment = rng.randint(start, end)
        if (moment // DAY + 3) % 7 < 5 or rng.random() < 0.33:  # 1970-01-01 was a Thursday
            return moment

