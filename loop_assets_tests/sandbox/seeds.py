"""A few hand-made API objects written straight into the sandbox store, so tests need no generator."""

from __future__ import annotations

from loop_assets.sandbox.store import Store
from loop_assets.sandbox.zendesk_http import iso


def seed_customer(store: Store, customer_id: str, created: int, **fields) -> dict:
    customer = {"id": customer_id, "object": "customer", "created": created, "livemode": False,
                "email": f"billing@{customer_id}.example", "metadata": {}, **fields}
    return store.put("stripe", "customer", customer, created=created)


def seed_stripe_object(store: Store, kind: str, obj_id: str, created: int, **fields) -> dict:
    return store.put("stripe", kind, {"id": obj_id, "object": kind, "created": created, "livemode": False,
                                      "metadata": {}, **fields}, created=created)


def seed_ticket(store: Store, ticket_id: int, updated: int, **fields) -> dict:
    ticket = {"id": ticket_id, "subject": f"Ticket {ticket_id}", "status": "open", "priority": None,
              "tags": [], "custom_fields": [], "created_at": iso(updated - 100), "updated_at": iso(updated),
              **fields}
    return store.put("zendesk", "ticket", ticket, created=updated - 100, updated=updated)


def seed_organization(store: Store, org_id: int, updated: int, **fields) -> dict:
    organization = {"id": org_id, "name": f"Org {org_id}", "tags": [], "organization_fields": {},
                    "created_at": iso(updated - 100), "updated_at": iso(updated), **fields}
    return store.put("zendesk", "organization", organization, created=updated - 100, updated=updated)
