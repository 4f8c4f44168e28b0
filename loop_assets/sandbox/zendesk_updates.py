"""Apply one Zendesk bulk-update item to a stored ticket or organization, with Zendesk's per-item results."""

from __future__ import annotations

import json

from .store import Store
from .zendesk_http import iso

PRIORITIES = (None, "urgent", "high", "normal", "low")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
TICKET_FIELDS = ("subject", "status", "priority", "type", "assignee_id", "group_id", "organization_id",
                 "requester_id", "external_id", "due_at", "tags")
ORGANIZATION_FIELDS = ("name", "external_id", "domain_names", "tags", "notes", "details", "group_id")


class ItemFailed(Exception):
    """One item of a bulk job that Zendesk would refuse; the job goes on with the others."""

    def __init__(self, error: str, details: str):
        super().__init__(details)
        self.error = error
        self.details = details


def apply_item(store: Store, kind: str, item: dict, at: int) -> dict:
    """Apply `item` (`{"id": ..., changes...}`) at time `at`, returning Zendesk's result entry for it."""
    try:
        rows = store.query("select created, body from objects where app = 'zendesk' and kind = ? and id = ?",
                           (kind, str(item["id"])))
        if not rows:
            raise ItemFailed("RecordNotFound", f"{kind.capitalize()} {item['id']} not found")
        record = json.loads(rows[0]["body"])
        changed = _changed_ticket(record, item) if kind == "ticket" else _changed_organization(record, item)
    except ItemFailed as failure:
        return {"id": item["id"], "action": "update", "status": "Failed", "success": False,
                "error": failure.error, "details": failure.details}
    changed["updated_at"] = iso(at)
    store.put("zendesk", kind, changed, created=rows[0]["created"], updated=at)
    return {"id": item["id"], "action": "update", "status": "Updated", "success": True}


def _changed_ticket(ticket: dict, item: dict) -> dict:
    if ticket.get("status") == "closed":
        raise ItemFailed("RecordInvalid", "Status: closed prevents ticket update")
    if "priority" in item and item["priority"] not in PRIORITIES:
        raise ItemFailed("RecordInvalid", f"Priority: {item['priority']!r} is not a valid priority")
    if "status" in item and item["status"] not in STATUSES:
        raise ItemFailed("RecordInvalid", f"Status: {item['status']!r} is not a valid status")
    changed = {**ticket, **{name: item[name] for name in TICKET_FIELDS if name in item}}
    changed["tags"] = _tags(changed.get("tags") or [], item)
    if "custom_fields" in item:
        values = {field["id"]: field.get("value") for field in ticket.get("custom_fields") or []}
        values.update({field["id"]: field.get("value") for field in item["custom_fields"]})
        changed["custom_fields"] = [{"id": field_id, "value": value} for field_id, value in values.items()]
    return changed


def _changed_organization(organization: dict, item: dict) -> dict:
    changed = {**organization, **{name: item[name] for name in ORGANIZATION_FIELDS if name in item}}
    changed["tags"] = _tags(changed.get("tags") or [], item)
    if "organization_fields" in item:
        changed["organization_fields"] = {**(organization.get("organization_fields") or {}),
                                          **item["organization_fields"]}
    return changed


def _tags(tags: list[str], item: dict) -> list[str]:
    """Zendesk's `additional_tags` and `remove_tags` change the tags without replacing them."""
    added = [tag for tag in item.get("additional_tags", []) if tag not in tags]
    removed = set(item.get("remove_tags", []))
    return [tag for tag in tags + added if tag not in removed]
