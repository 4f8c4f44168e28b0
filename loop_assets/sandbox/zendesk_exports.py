"""Zendesk's incremental exports: cursor-based for tickets and users, time-based for organizations.

Both walk changes in (updated, change sequence) order and leave out the last `incremental_lag_seconds`
of changes, as Zendesk leaves out the last minute:
https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .runtime import Runtime
from .store import now
from .zendesk_http import (ZendeskError, absolute_url, decode_cursor, encode_cursor, integer_param,
                           runtime_of)

CURSOR_EXPORTS = {"tickets": "ticket", "users": "user"}
MAX_PER_PAGE = 1000


def cursor_export(request: Request) -> Response:
    """`GET /api/v2/incremental/{tickets|users}/cursor.json?start_time=` or `?cursor=`."""
    resource = request.path_params["resource"]
    if resource not in CURSOR_EXPORTS:
        return ZendeskError(404, "InvalidEndpoint", "Not found").response()
    runtime = runtime_of(request)
    try:
        per_page = integer_param(request, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE)
        cursor = request.query_params.get("cursor")
        updated, seq = decode_cursor(cursor, "cursor", 2) if cursor else (_start_time(request, runtime), 0)
    except ZendeskError as error:
        return error.response()
    rows = runtime.store().query(
        # A row value lets SQLite seek the (updated, seq) index instead of scanning it from the start.
        "select updated, seq, body from objects where app = 'zendesk' and kind = ? and updated <= ? "
        "and (updated, seq) > (?, ?) order by updated, seq limit ?",
        (CURSOR_EXPORTS[resource], _horizon(runtime), updated, seq, per_page + 1),
    )
    page = rows[:per_page]
    if page:
        updated, seq = page[-1]["updated"], page[-1]["seq"]
    # The cursor after the last record, kept even at the end of the stream: it is the state to resume from.
    after_cursor = encode_cursor([updated, seq])
    return JSONResponse({
        resource: [json.loads(row["body"]) for row in page],
        "after_url": absolute_url(request, f"/api/v2/incremental/{resource}/cursor.json", {"cursor": after_cursor}),
        "after_cursor": after_cursor,
        "before_url": None,
        "before_cursor": None,
        "end_of_stream": len(rows) <= per_page,
    })


def organizations_export(request: Request) -> Response:
    """`GET /api/v2/incremental/organizations.json?start_time=`: the time-based export."""
    runtime = runtime_of(request)
    try:
        per_page = integer_param(request, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE)
        start_time = _start_time(request, runtime)
    except ZendeskError as error:
        return error.response()
    store, horizon = runtime.store(), _horizon(runtime)
    after = ("select updated, seq, body from objects where app = 'zendesk' and kind = 'organization' "
             "and updated <= ? and (updated, seq) > (?, ?)")
    rows = store.query(f"{after} order by updated, seq limit ?", (horizon, start_time, -1, per_page))
    end_of_stream = len(rows) < per_page
    if rows and not end_of_stream:
        # Like Zendesk, finish the last second on this page so the next page can start at end_time.
        last = rows[-1]
        rows += store.query(f"{after} and updated = ? order by seq",
                            (horizon, last["updated"], last["seq"], last["updated"]))
    end_time = rows[-1]["updated"] if rows else start_time
    if not end_of_stream and end_time == start_time:
        end_time += 1  # a page that is all one second: its second is complete, move past it
    return JSONResponse({
        "organizations": [json.loads(row["body"]) for row in rows],
        "next_page": absolute_url(request, "/api/v2/incremental/organizations.json", {"start_time": end_time}),
        "count": len(rows),
        "end_time": end_time,
        "end_of_stream": end_of_stream,
    })


def _horizon(runtime: Runtime) -> int:
    return now() - int(runtime.settings["incremental_lag_seconds"])


def _start_time(request: Request, runtime: Runtime) -> int:
    raw = request.query_params.get("start_time")
    if raw is None:
        raise ZendeskError(400, "InvalidValue", "start_time or cursor is required")
    try:
        start_time = int(raw)
    except ValueError:
        raise ZendeskError(400, "InvalidValue", "start_time must be an epoch time in seconds") from None
    if start_time > _horizon(runtime):
        raise ZendeskError(400, "InvalidValue", "Too recent start_time. Use a start_time older than "
                           f"{int(runtime.settings['incremental_lag_seconds'])} seconds")
    return start_time

