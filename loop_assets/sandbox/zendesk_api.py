"""The emulated Zendesk Support API under `/zendesk`: cursor-paginated lists, records, bulk jobs, exports."""

from __future__ import annotations

import base64
import json
import secrets
import time

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import zendesk_exports
from .credentials import ZENDESK_API_TOKEN, ZENDESK_EMAIL
from .gate import AppFace, Limit
from .jobs import enqueue_job, find_job, job_status_body
from .limits import Verdict
from .zendesk_http import (ZendeskError, absolute_url, decode_cursor, encode_cursor, integer_param,
                           record_not_found, runtime_of)

RESOURCES = {"tickets": "ticket", "users": "user", "organizations": "organization"}
BULK_RESOURCES = {"tickets": "ticket", "organizations": "organization"}
MAX_PAGE_SIZE = 100
MAX_BULK_ITEMS = 100


def list_records(request: Request) -> Response:
    """`GET /api/v2/{tickets|users|organizations}.json?page[size]=&page[after]=`: cursor pagination by id."""
    resource = request.path_params["resource"]
    if resource not in RESOURCES:
        return ZendeskError(404, "InvalidEndpoint", "Not found").response()
    try:
        size = integer_param(request, "page[size]", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        forward = "page[before]" not in request.query_params
        cursor_param = "page[after]" if forward else "page[before]"
        cursor = request.query_params.get(cursor_param)
        (position,) = decode_cursor(cursor, cursor_param, 1) if cursor else (0,)
    except ZendeskError as error:
        return error.response()
    rows = runtime_of(request).store().query(
        "select body from objects where app = 'zendesk' and kind = ? and cast(id as integer) "
        f"{'>' if forward else '<'} ? order by cast(id as integer) {'asc' if forward else 'desc'} limit ?",
        (RESOURCES[resource], position, size + 1),
    )
    records = [json.loads(row[0]) for row in rows[:size]]
    if not forward:
        records.reverse()
    meta = {"has_more": len(rows) > size, "after_cursor": None, "before_cursor": None}
    links = {"next": None, "prev": None}
    if records:
        meta["after_cursor"] = encode_cursor([records[-1]["id"]])
        meta["before_cursor"] = encode_cursor([records[0]["id"]])
        path = f"/api/v2/{resource}.json"
        # Like Zendesk, `next` is given even on the last page: clients stop on meta.has_more.
        links["next"] = absolute_url(request, path, {"page[after]": meta["after_cursor"], "page[size]": size})
        links["prev"] = absolute_url(request, path, {"page[before]": meta["before_cursor"], "page[size]": size})
    return JSONResponse({resource: records, "meta": meta, "links": links})


def show_record(request: Request) -> Response:
    """`GET /api/v2/{tickets|users|organizations}/{id}.json`."""
    resource = request.path_params["resource"]
    record = None
    if resource in RESOURCES:
        record = runtime_of(request).store().get("zendesk", RESOURCES[resource], request.path_params["id"])
    if record is None:
        return record_not_found().response()
    return JSONResponse({RESOURCES[resource]: record})


def ticket_fields(request: Request) -> Response:
    """`GET /api/v2/ticket_fields.json`: the field definitions, one page."""
    fields = sorted(runtime_of(request).store().all("zendesk", "ticket_field"), key=lambda field: int(field["id"]))
    return JSONResponse({"ticket_fields": fields, "next_page": None, "previous_page": None, "count": len(fields)})


async def update_many(request: Request) -> Response:
    """`PUT /api/v2/{tickets|organizations}/update_many.json`: queue a job, both request forms."""
    resource = request.path_params["resource"]
    if resource not in BULK_RESOURCES:
        return ZendeskError(404, "InvalidEndpoint", "Not found").response()
    runtime = runtime_of(request)
    try:
        items = _bulk_items(request, resource, await request.body())
        job = await run_in_threadpool(lambda: enqueue_job(runtime.store(), BULK_RESOURCES[resource], items))
    except ZendeskError as error:
        response = error.response()
        if error.status == 429:
            response.headers["Retry-After"] = "1"
        return response
    return JSONResponse({"job_status": job_status_body(job, _job_url(request, job["id"]), runtime)})


def _bulk_items(request: Request, resource: str, body: bytes) -> list[dict]:
    singular = BULK_RESOURCES[resource]
    try:
        payload = json.loads(body)
    except ValueError:
        raise ZendeskError(400, "InvalidValue", "The request body is not valid JSON") from None
    ids = request.query_params.get("ids")
    if ids is not None:  # one change for every listed record
        change = payload.get(singular) if isinstance(payload, dict) else None
        try:
            id_list = [int(text) for text in ids.split(",")]
        except ValueError:
            raise ZendeskError(400, "InvalidValue", "ids must be a comma-separated list of integers") from None
        if not isinstance(change, dict):
            raise ZendeskError(400, "InvalidValue", f"Expected a {singular!r} object with the change to apply")
        items = [{**change, "id": record_id} for record_id in id_list]
    else:  # per-record changes
        items = payload.get(resource) if isinstance(payload, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ZendeskError(400, "InvalidValue", f"Expected {resource!r}: a list of objects, or ?ids= and {singular!r}")
    if not items:
        raise ZendeskError(400, "InvalidValue", f"Expected at least one of {resource!r} to update")
    if len(items) > MAX_BULK_ITEMS:
        raise ZendeskError(400, "TooManyValues", f"At most {MAX_BULK_ITEMS} {resource} per request",
                           max_count=MAX_BULK_ITEMS)
    for index, item in enumerate(items):
        if not isinstance(item.get("id"), int) or isinstance(item.get("id"), bool):
            raise ZendeskError(400, "InvalidValue", f"{resource}[{index}].id must be an integer")
        if not all(isinstance(field, dict) and "id" in field for field in item.get("custom_fields", [])):
            raise ZendeskError(400, "InvalidValue", f"{resource}[{index}].custom_fields must be objects with an id")
        if not isinstance(item.get("organization_fields", {}), dict):
            raise ZendeskError(400, "InvalidValue", f"{resource}[{index}].organization_fields must be an object")
    return items


def show_job(request: Request) -> Response:
    """`GET /api/v2/job_statuses/{id}.json`."""
    runtime = runtime_of(request)
    job = find_job(runtime.store(), request.path_params["id"])
    if job is None or time.time() - job["created"] > runtime.settings["job_ttl_seconds"]:
        return record_not_found().response()
    return JSONResponse({"job_status": job_status_body(job, _job_url(request, job["id"]), runtime)})


def _job_url(request: Request, job_id: str) -> str:
    return absolute_url(request, f"/api/v2/job_statuses/{job_id}.json")


def not_found(_request: Request) -> Response:
    return ZendeskError(404, "InvalidEndpoint", "Not found").response()


def _is_authorized(headers: Headers) -> bool:
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(credential).decode().partition(":")
    except ValueError:
        return False
    return secrets.compare_digest(f"{user}:{password}", f"{ZENDESK_EMAIL}/token:{ZENDESK_API_TOKEN}")


def _unauthorized() -> Response:
    return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)


def _rate_limited(reset_seconds: int) -> Response:
    return JSONResponse({"error": "TooManyRequests", "description": "Rate limit exceeded; retry after Retry-After seconds"},
                        status_code=429, headers={"Retry-After": str(reset_seconds)})


def _server_error() -> Response:
    return JSONResponse({"error": "ServiceUnavailable", "description": "Zendesk is temporarily unavailable"},
                        status_code=503)


def _limits(path: str) -> list[Limit]:
    limits = [Limit("zendesk", "zendesk_requests_per_minute", 60)]
    if "/api/v2/incremental/" in path:
        limits.append(Limit("zendesk_exports", "zendesk_exports_per_minute", 60))
    return limits


def _response_headers(_headers: Headers, verdicts: list[Verdict]) -> dict[str, str]:
    headers = {}
    for verdict in verdicts:
        if verdict.bucket == "zendesk":
            headers.update({
                "X-Rate-Limit": str(verdict.limit), "X-Rate-Limit-Remaining": str(verdict.remaining),
                "ratelimit-limit": str(verdict.limit), "ratelimit-remaining": str(verdict.remaining),
                "ratelimit-reset": str(verdict.reset_seconds),
            })
        else:
            headers["Zendesk-RateLimit-incremental-exports"] = (
                f"total={verdict.limit}; remaining={verdict.remaining}; resets={verdict.reset_seconds}")
    return headers


def _with_and_without_json(path: str, endpoint, method: str) -> list[Route]:
    """Zendesk answers `/api/v2/tickets.json` and `/api/v2/tickets` alike; its docs show both spellings."""
    return [Route(f"/zendesk{path}.json", endpoint, methods=[method]), Route(f"/zendesk{path}", endpoint, methods=[method])]


ZENDESK = AppFace(
    name="zendesk",
    routes=[
        *_with_and_without_json("/api/v2/ticket_fields", ticket_fields, "GET"),
        *_with_and_without_json("/api/v2/job_statuses/{id}", show_job, "GET"),
        *_with_and_without_json("/api/v2/incremental/organizations", zendesk_exports.organizations_export, "GET"),
        *_with_and_without_json("/api/v2/incremental/{resource}/cursor", zendesk_exports.cursor_export, "GET"),
        *_with_and_without_json("/api/v2/{resource}/update_many", update_many, "PUT"),
        *_with_and_without_json("/api/v2/{resource}/{id:int}", show_record, "GET"),
        *_with_and_without_json("/api/v2/{resource}", list_records, "GET"),
        Route("/zendesk/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ],
    is_authorized=_is_authorized,
    unauthorized=_unauthorized,
    rate_limited=_rate_limited,
    server_error=_server_error,
    limits=_limits,
    response_headers=_response_headers,
)
