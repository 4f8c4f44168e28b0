"""What every emulated Zendesk route shares: absolute URLs, opaque cursors, Zendesk's error bodies."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from .runtime import Runtime

PREFIX = "/zendesk"


class ZendeskError(Exception):
    """An error the emulated Zendesk API answers with: `{"error": ..., "description": ...}` and a status."""

    def __init__(self, status: int, error: str, description: str, **extra):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "description": description, **extra}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def record_not_found() -> ZendeskError:
    return ZendeskError(404, "RecordNotFound", "Not found")


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def absolute_url(request: Request, path: str, params: dict | None = None) -> str:
    """An absolute URL on the host the client called, as Zendesk builds `links.next` and `after_url`."""
    base = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}{PREFIX}{path}"
    return f"{base}?{urlencode(params)}" if params else base


def encode_cursor(position: list[int]) -> str:
    """An opaque cursor for a position in a listing."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, param: str, size: int) -> list[int]:
    """The position in a cursor this server issued; anything else is Zendesk's 400."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        position = None
    if not (isinstance(position, list) and len(position) == size and all(isinstance(v, int) for v in position)):
        raise ZendeskError(400, "InvalidPaginationParameter", f"{param} is not a valid cursor")
    return position


def integer_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], or Zendesk's 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ZendeskError(400, "InvalidPaginationParameter", f"{name} must be an integer from {low} to {high}")
    return value


def iso(epoch: float) -> str:
    """Zendesk's timestamp format: ISO-8601 UTC with a Z."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
