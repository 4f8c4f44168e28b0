"""Zendesk Support objects shaped as the API returns them, built by the generator and `activity`."""

from __future__ import annotations

from datetime import datetime, timezone

ZENDESK_URL = "https://loop-sandbox.zendesk.com/api/v2"

# Custom fields the loop fills: ticket fields by id, organization fields by key.
LOOP_TIER_FIELD_ID = 360000100001
LOOP_SCORE_FIELD_ID = 360000100002
PRODUCT_AREA_FIELD_ID = 360000100003
ORGANIZATION_FIELD_KEYS = ("loop_tier", "loop_score", "loop_spend_90d", "loop_activity")
SUPPORT_GROUP_IDS = (360000200001, 360000200002, 360000200003)
PRODUCT_AREAS = ("billing", "integrations", "reporting", "api", "account", "performance")


def iso(ts: int) -> str:
    """ISO-8601 UTC with seconds, the way Zendesk writes `created_at`/`updated_at`."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket_fields(created: int) -> list[dict]:
    """The account's custom ticket fields: two the loop writes and one agents fill."""
    def field(field_id: int, field_type: str, title: str, description: str, options: list[str]) -> dict:
        return {
            "id": field_id,
            "url": f"{ZENDESK_URL}/ticket_fields/{field_id}.json",
            "type": field_type,
            "title": title,
            "raw_title": title,
            "description": description,
            "active": True,
            "required": False,
            "visible_in_portal": False,
            "editable_in_portal": False,
            "custom_field_options": [{"id": field_id * 10 + n, "name": option.title(), "value": option}
                                     for n, option in enumerate(options)],
            "created_at": iso(created),
            "updated_at": iso(created),
        }
    return [
        field(LOOP_TIER_FIELD_ID, "text", "Loop tier", "Account tier computed by loop", []),
        field(LOOP_SCORE_FIELD_ID, "integer", "Loop score", "Account priority score computed by loop", []),
        field(PRODUCT_AREA_FIELD_ID, "tagger", "Product area", "Set by agents on triage",
              [f"area_{area}" for area in PRODUCT_AREAS]),
    ]


def organization(org_id: int, *, name: str, domain: str, external_id: str | None, created: int) -> dict:
    """A customer company, with empty loop fields ready to be filled by the reverse sync."""
    return {
        "id": org_id,
        "url": f"{ZENDESK_URL}/organizations/{org_id}.json",
        "name": name,
        "external_id": external_id,
        "domain_names": [domain],
        "details": "",
        "notes": "",
        "group_id": None,
        "shared_tickets": False,
        "shared_comments": False,
        "tags": [],
        "organization_fields": dict.fromkeys(ORGANIZATION_FIELD_KEYS),
        "created_at": iso(created),
        "updated_at": iso(created),
    }


def user(user_id: int, *, name: str, email: str, organization_id: int | None, external_id: str | None,
         created: int, role: str = "end-user") -> dict:
    """A requester (end-user) or an agent of the support team."""
    return {
        "id": user_id,
        "url": f"{ZENDESK_URL}/users/{user_id}.json",
        "name": name,
        "email": email,
        "organization_id": organization_id,
        "external_id": external_id,
        "role": role,
        "active": True,
        "verified": True,
        "time_zone": "UTC",
        "locale": "en-US",
        "tags": [],
        "user_fields": {},
        "created_at": iso(created),
        "updated_at": iso(created),
    }


def ticket(ticket_id: int, *, subject: str, description: str, requester_id: int, organization_id: int | None,
           created: int, updated: int, status: str = "new", priority: str | None = None,
           ticket_type: str | None = None, assignee_id: int | None = None, group_id: int | None = None,
           product_area: str | None = None, tags: list[str] | None = None) -> dict:
    """A support ticket; loop's custom fields start empty."""
    return {
        "id": ticket_id,
        "url": f"{ZENDESK_URL}/tickets/{ticket_id}.json",
        "external_id": None,
        "via": {"channel": "email"},
        "subject": subject,
        "raw_subject": subject,
        "description": description,
        "status": status,
        "priority": priority,
        "type": ticket_type,
        "requester_id": requester_id,
        "submitter_id": requester_id,
        "assignee_id": assignee_id,
        "organization_id": organization_id,
        "group_id": group_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": tags or [],
        "custom_fields": [{"id": LOOP_TIER_FIELD_ID, "value": None}, {"id": LOOP_SCORE_FIELD_ID, "value": None},
                          {"id": PRODUCT_AREA_FIELD_ID, "value": f"area_{product_area}" if product_area else None}],
        "satisfaction_rating": None,
        "created_at": iso(created),
        "updated_at": iso(updated),
    }
