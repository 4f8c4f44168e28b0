"""The emulated Stripe API under `/stripe`: lists, customer retrieve/update, idempotency keys, Stripe's headers."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .credentials import STRIPE_API_KEY
from .gate import AppFace, Limit
from .limits import Verdict
from .runtime import Runtime
from .store import now
from .stripe_customers import get_customer, update_customer
from .stripe_errors import StripeError, invalid_request
from .stripe_lists import LISTS, list_page

API_VERSION = "2025-03-31.basil"  # the version the sandbox emulates; requests may pin another, it is echoed
MAX_IDEMPOTENCY_KEY_LENGTH = 255


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def list_objects(request: Request) -> Response:
    resource = request.url.path.rsplit("/", 1)[1]
    try:
        page = list_page(_runtime(request).store(), resource, request.query_params.multi_items())
    except StripeError as error:
        return error.response()
    return JSONResponse(page)


def retrieve_customer(request: Request) -> Response:
    try:
        return JSONResponse(get_customer(_runtime(request).store(), request.path_params["id"]))
    except StripeError as error:
        return error.response()


async def post_customer(request: Request) -> Response:
    fields = parse_qsl((await request.body()).decode(), keep_blank_values=True)
    runtime, customer_id = _runtime(request), request.path_params["id"]
    key = request.headers.get("idempotency-key")
    try:
        status, body, replayed = await run_in_threadpool(
            _idempotent, runtime, key, f"/v1/customers/{customer_id}", fields,
            lambda: update_customer(runtime.store(), customer_id, fields),
        )
    except StripeError as error:
        return error.response()
    response = JSONResponse(body, status_code=status)
    if key is not None:
        response.headers["Idempotency-Key"] = key
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotent(runtime: Runtime, key: str | None, path: str, fields: list[tuple[str, str]],
                action) -> tuple[int, dict, bool]:
    """Run `action` once per idempotency key: a repeat replays the saved result (status, body, replayed)."""
    if key is None:
        return 200, action(), False
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise invalid_request(
            f"Idempotency-Key can be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters.", param="Idempotency-Key")
    request_hash = hashlib.sha256(json.dumps([path, sorted(fields)]).encode()).hexdigest()
    store = runtime.store()
    # One write transaction: a concurrent request with the same key waits, then replays this one's result.
    with store.transaction():
        saved = store.query("select request_hash, status, body from idempotency where app = 'stripe' and key = ?",
                            (key,))
        if saved:
            if saved[0]["request_hash"] != request_hash:
                raise StripeError(
                    400, "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    type="idempotency_error")
            return saved[0]["status"], json.loads(saved[0]["body"]), True
        body = action()  # a StripeError rolls back: Stripe saves no result for a request that failed validation
        store.db.execute("insert into idempotency values ('stripe', ?, ?, 200, ?, ?)",
                         (key, request_hash, json.dumps(body), now()))
    return 200, body, False


def not_found(request: Request) -> Response:
    path = request.url.path.removeprefix("/stripe")
    return StripeError(404, f"Unrecognized request URL ({request.method}: {path}). Please see "
                       "https://stripe.com/docs or we can help at https://support.stripe.com/.").response()


def _is_authorized(headers: Headers) -> bool:
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return secrets.compare_digest(credential.strip(), STRIPE_API_KEY)
    if scheme.lower() == "basic":  # Stripe also takes the key as the Basic auth user name
        try:
            user = base64.b64decode(credential).decode().partition(":")[0]
        except ValueError:
            return False
        return secrets.compare_digest(user, STRIPE_API_KEY)
    return False


def _unauthorized() -> Response:
    return StripeError(401, "Invalid API Key provided. You can find your API keys at "
                       "https://dashboard.stripe.com/apikeys.").response()


def _rate_limited(_reset_seconds: int) -> Response:
    # Stripe sends no Retry-After; Stripe-Should-Retry tells clients a retry is safe.
    response = StripeError(429, "Request rate limit exceeded. Try again with exponential backoff.",
                           code="rate_limit").response()
    response.headers["Stripe-Should-Retry"] = "true"
    return response


def _server_error() -> Response:
    response = StripeError(500, "An unknown error occurred.", type="api_error").response()
    response.headers["Stripe-Should-Retry"] = "true"
    return response


def _response_headers(headers: Headers, _verdicts: list[Verdict]) -> dict[str, str]:
    return {"Request-Id": f"req_{secrets.token_hex(7)}", "Stripe-Version": headers.get("stripe-version", API_VERSION)}


STRIPE = AppFace(
    name="stripe",
    routes=[
        *(Route(f"/stripe/v1/{resource}", list_objects, methods=["GET"]) for resource in LISTS),
        Route("/stripe/v1/customers/{id}", retrieve_customer, methods=["GET"]),
        Route("/stripe/v1/customers/{id}", post_customer, methods=["POST"]),
        Route("/stripe/{rest:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ],
    is_authorized=_is_authorized,
    unauthorized=_unauthorized,
    rate_limited=_rate_limited,
    server_error=_server_error,
    limits=lambda _path: [Limit("stripe", "stripe_requests_per_second", 1)],
    response_headers=_response_headers,
)
