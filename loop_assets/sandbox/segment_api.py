"""The emulated Segment Tracking API under `/segment`: batch, identify and track calls.

Accepted calls land in the S3-destination layout like the rest of the raw events, and identify traits merge
into the user's profile. Limits: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import time
import uuid
from datetime import datetime, timezone

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .credentials import SEGMENT_SOURCE_ID, SEGMENT_WRITE_KEY
from .gate import AppFace, Limit
from .runtime import Runtime
from .segment_landing import write_landing_file
from .store import Store

MAX_CALL_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_CALLS = 2500
CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")


class SegmentRejected(Exception):
    """A request the Tracking API answers with 400; the message says which call and why."""


async def receive_calls(request: Request) -> Response:
    """`POST /v1/batch`, `/v1/identify`, `/v1/track`: validate, land the calls, merge identify traits."""
    endpoint = request.url.path.rsplit("/", 1)[1]
    body = await request.body()
    try:
        calls = _parse_calls(endpoint, body, request.headers.get("content-encoding", ""))
    except SegmentRejected as rejected:
        return JSONResponse({"success": False, "code": "invalid_request", "message": str(rejected)}, status_code=400)
    await run_in_threadpool(_accept, request.app.state.runtime, calls)
    return JSONResponse({"success": True})


def _parse_calls(endpoint: str, body: bytes, encoding: str) -> list[dict]:
    if encoding.lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            raise SegmentRejected("The request body is not valid gzip") from None
    limit = MAX_BATCH_BYTES if endpoint == "batch" else MAX_CALL_BYTES
    if len(body) > limit:
        raise SegmentRejected(f"The request body is {len(body)} bytes; the limit is {limit} bytes")
    try:
        payload = json.loads(body)
    except ValueError:
        raise SegmentRejected("The request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise SegmentRejected("The request body must be a JSON object")
    if endpoint != "batch":
        return [_checked({**payload, "type": endpoint}, endpoint)]
    batch = payload.get("batch")
    if not isinstance(batch, list):
        raise SegmentRejected("A batch request needs a 'batch' list of calls")
    if len(batch) > MAX_BATCH_CALLS:
        raise SegmentRejected(f"The batch has {len(batch)} calls; the limit is {MAX_BATCH_CALLS}")
    sent_at = payload.get("sentAt")
    return [_checked({"sentAt": sent_at, **call} if sent_at and isinstance(call, dict) else call, f"batch[{index}]")
            for index, call in enumerate(batch)]


def _checked(call: object, where: str) -> dict:
    if not isinstance(call, dict):
        raise SegmentRejected(f"{where} is not a JSON object")
    if len(json.dumps(call, separators=(",", ":")).encode()) > MAX_CALL_BYTES:
        raise SegmentRejected(f"{where} is larger than {MAX_CALL_BYTES} bytes")
    if call.get("type") not in CALL_TYPES:
        raise SegmentRejected(f"{where}.type must be one of {', '.join(CALL_TYPES)}")
    if not call.get("userId") and not call.get("anonymousId"):
        raise SegmentRejected(f"{where} needs a userId or an anonymousId")
    if call["type"] == "track" and not isinstance(call.get("event"), str):
        raise SegmentRejected(f"{where} is a track call without an event name")
    if not isinstance(call.get("traits", {}), dict):
        raise SegmentRejected(f"{where}.traits must be an object")
    return call


def _accept(runtime: Runtime, calls: list[dict]) -> None:
    received_at = time.time()
    received_iso = _iso_ms(received_at)
    landed = [{"messageId": f"api-{uuid.uuid4()}", "timestamp": call.get("originalTimestamp") or received_iso,
               **call, "receivedAt": received_iso} for call in calls]
    store = runtime.store()
    with store.transaction():
        _merge_traits(store, [call for call in landed if call["type"] == "identify" and call.get("userId")],
                      received_at, received_iso)
    write_landing_file(runtime.state_dir, SEGMENT_SOURCE_ID, [json.dumps(call) for call in landed],
                       received_at=received_at, name=f"api-{int(received_at * 1000)}-{secrets.token_hex(4)}")


def _merge_traits(store: Store, identifies: list[dict], received_at: float, received_iso: str) -> None:
    """Merge each identify call's traits into its user's profile in the calls' order: one read and one
    write for the whole batch (2,500 calls), not three statements a call."""
    user_ids = sorted({str(call["userId"]) for call in identifies})
    if not user_ids:
        return
    marks = ",".join("?" * len(user_ids))
    profiles = {row["id"]: (json.loads(row["body"]), row["created"]) for row in store.query(
        f"select id, created, body from objects where app = 'segment' and kind = 'profile' and id in ({marks})",
        tuple(user_ids))}
    for call in identifies:
        user_id = str(call["userId"])
        profile, created = profiles.get(user_id) or ({"id": user_id, "traits": {}}, int(received_at))
        traits = {**profile["traits"], **(call.get("traits") or {})}
        profiles[user_id] = ({**profile, "traits": traits, "updated_at": received_iso}, created)
    store.put_many("segment", "profile", [(profile, created, int(received_at)) for profile, created in
                                          (profiles[user_id] for user_id in user_ids)])


def _iso_ms(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def not_found(_request: Request) -> Response:
    return JSONResponse({"success": False, "code": "not_found", "message": "Not found"}, status_code=404)


def _is_authorized(headers: Headers) -> bool:
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        write_key = base64.b64decode(credential).decode().partition(":")[0]
    except ValueError:
        return False
    return secrets.compare_digest(write_key, SEGMENT_WRITE_KEY)


def _unauthorized() -> Response:
    return JSONResponse({"success": False, "code": "invalid_request", "message": "Invalid write key"},
                        status_code=401)


def _rate_limited(reset_seconds: int) -> Response:
    return JSONResponse({"success": False, "code": "rate_limited", "message": "Too many requests"},
                        status_code=429, headers={"Retry-After": str(reset_seconds)})


def _server_error() -> Response:
    return JSONResponse({"success": False, "code": "server_error", "message": "Internal server error"},
                        status_code=500)


SEGMENT = AppFace(
    name="segment",
    routes=[
        *(Route(f"/segment/v1/{endpoint}", receive_calls, methods=["POST"]) for endpoint in ("batch", "identify", "track")),
        Route("/segment/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ],
    is_authorized=_is_authorized,
    unauthorized=_unauthorized,
    rate_limited=_rate_limited,
    server_error=_server_error,
    limits=lambda _path: [Limit("segment", "segment_requests_per_second", 1)],
    response_headers=lambda _headers, _verdicts: {},
)
