"""Stripe's list endpoints: filters, `created` ranges and `starting_after`/`ending_before` cursors.

Stripe lists newest first (`created` desc, then id) and pages with the id of the last object seen:
https://docs.stripe.com/api/pagination
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .store import Store, now
from .stripe_errors import invalid_request

EVENT_RETENTION_SECONDS = 30 * 86400  # the events API only returns events of the last 30 days
CREATED_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
PAGING_PARAMS = {"limit", "starting_after", "ending_before", "created"} | {f"created[{op}]" for op in CREATED_OPERATORS}


@dataclass(frozen=True)
class StripeList:
    """One list endpoint: the stored kind it serves, its exact-match filters and its valid statuses."""

    kind: str
    filters: tuple[str, ...] = ()  # params that match the body field of the same name
    statuses: tuple[str, ...] = ()  # valid values of the `status` filter; empty: no status filter


LISTS = {
    "customers": StripeList("customer", ("email",)),
    "charges": StripeList("charge", ("customer", "payment_intent")),
    "payment_intents": StripeList("payment_intent", ("customer",)),
    "subscriptions": StripeList("subscription", ("customer",), (
        "active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused",
        "trialing", "unpaid")),
    "invoices": StripeList("invoice", ("customer", "subscription"), (
        "draft", "open", "paid", "uncollectible", "void")),
    "events": StripeList("event"),
}


def list_page(store: Store, resource: str, query: list[tuple[str, str]]) -> dict:
    """One page of `GET /v1/{resource}` for the given query parameters, as Stripe returns it."""
    spec = LISTS[resource]
    allowed = PAGING_PARAMS | set(spec.filters) | ({"status"} if spec.statuses else set())
    if spec.kind == "event":
        allowed |= {"type", "types[]"}
    params: dict[str, str] = {}
    event_types: list[str] = []
    for key, value in query:
        if key not in allowed:
            raise invalid_request(f"Received unknown parameter: {key}", param=key)
        if key == "types[]":
            event_types.append(value)
        else:
            params[key] = value
    limit = _integer(params, "limit", 10)
    if not 1 <= limit <= 100:
        raise invalid_request("This value must be between 1 and 100 (limit).", param="limit")
    if "starting_after" in params and "ending_before" in params:
        raise invalid_request(
            "You may only specify one of these parameters: ending_before, starting_after.", param="ending_before")

    where, args = ["app = 'stripe'", "kind = ?"], [spec.kind]
    if "created" in params:
        where.append("created = ?")
        args.append(_integer(params, "created", 0))
    for op, sql_op in CREATED_OPERATORS.items():
        if f"created[{op}]" in params:
            where.append(f"created {sql_op} ?")
            args.append(_integer(params, f"created[{op}]", 0))
    for name in spec.filters:
        if name in params:
            where.append("json_extract(body, ?) = ?")
            args += [f"$.{name}", params[name]]
    _status_filter(spec, params.get("status"), where, args)
    if spec.kind == "event":
        _event_filters(params.get("type"), event_types, where, args)

    newest_first = "ending_before" not in params
    cursor_param = "starting_after" if newest_first else "ending_before"
    if cursor_param in params:
        created, obj_id = _cursor_position(store, spec.kind, params[cursor_param], cursor_param)
        sign = "<" if newest_first else ">"
        # A row value, not `created < ? or (created = ? and id < ?)`: SQLite seeks the index with it,
        # where the OR form scans it from the top (each page deeper costs more: 0.1 s at 500k charges).
        where.append(f"(created, id) {sign} (?, ?)")
        args += [created, obj_id]
    order = "created desc, id desc" if newest_first else "created asc, id asc"
    rows = store.query(
        f"select body from objects where {' and '.join(where)} order by {order} limit ?", (*args, limit + 1)
    )
    data = [json.loads(row[0]) for row in rows[:limit]]
    if not newest_first:
        data.reverse()
    return {"object": "list", "data": data, "has_more": len(rows) > limit, "url": f"/v1/{resource}"}


def _integer(params: dict[str, str], name: str, default: int) -> int:
    if name not in params:
        return default
    try:
        return int(params[name])
    except ValueError:
        raise invalid_request(f"Invalid integer: {params[name]}", param=name) from None


def _status_filter(spec: StripeList, status: str | None, where: list[str], args: list) -> None:
    if status is not None and status not in spec.statuses:
        raise invalid_request(
            f"Invalid status: must be one of {', '.join(spec.statuses)}", param="status")
    if spec.kind == "subscription" and status is None:
        where.append("json_extract(body, '$.status') != 'canceled'")  # Stripe hides canceled by default
    elif spec.kind == "subscription" and status == "ended":
        where.append("json_extract(body, '$.status') in ('canceled', 'incomplete_expired')")
    elif status is not None and status != "all":
        where.append("json_extract(body, '$.status') = ?")
        args.append(status)


def _event_filters(event_type: str | None, event_types: list[str], where: list[str], args: list) -> None:
    where.append("created >= ?")
    args.append(now() - EVENT_RETENTION_SECONDS)
    if event_type is not None and event_types:
        raise invalid_request("You may only specify one of these parameters: type, types.", param="types")
    if event_type is not None:
        # Stripe's `*` wildcard (`customer.*`); GLOB is case-sensitive like event types are.
        where.append("json_extract(body, '$.type') glob ?")
        args.append(event_type.replace("[", "[[]").replace("?", "[?]"))
    elif event_types:
        where.append(f"json_extract(body, '$.type') in ({', '.join('?' * len(event_types))})")
        args += event_types


def _cursor_position(store: Store, kind: str, obj_id: str, param: str) -> tuple[int, str]:
    rows = store.query("select created, id from objects where app = 'stripe' and kind = ? and id = ?", (kind, obj_id))
    if not rows:
        raise invalid_request(f"No such {kind}: '{obj_id}'", param=param, code="resource_missing")
    return rows[0]["created"], rows[0]["id"]
