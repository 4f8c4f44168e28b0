"""The front door of each emulated app: injected faults, authentication, rate limits and the app's headers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import corrupt_one_record
from .limits import Verdict
from .runtime import Runtime


@dataclass(frozen=True)
class Limit:
    """One rate-limit bucket a request counts against; `setting` names its limit in the sandbox settings."""

    bucket: str
    setting: str
    window_seconds: float


@dataclass(frozen=True)
class AppFace:
    """How one emulated app answers before and around its routes, served under the prefix `/{name}`."""

    name: str
    routes: list[BaseRoute]
    is_authorized: Callable[[Headers], bool]
    unauthorized: Callable[[], Response]
    rate_limited: Callable[[int], Response]  # the app's own 429, given whole seconds until the limit resets
    server_error: Callable[[], Response]
    limits: Callable[[str], list[Limit]]  # the buckets a request path counts against
    response_headers: Callable[[Headers, list[Verdict]], dict[str, str]]  # added to every response


class Gate:
    """ASGI middleware that routes each request through its app's face before the app's own routes run."""

    def __init__(self, app: ASGIApp, runtime: Runtime, faces: list[AppFace]):
        self.app = app
        self.runtime = runtime
        self.faces = {face.name: face for face in faces}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        face = self.faces.get(scope["path"].split("/")[1]) if scope["type"] == "http" else None
        if face is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rule = self.runtime.faults.take(face.name, scope["method"], scope["path"])
        kind = rule.kind if rule else None
        if kind == "slow":
            await asyncio.sleep(rule.delay)
        verdicts: list[Verdict] = []
        if kind == "rate_limit":
            response = face.rate_limited(1)
        elif kind == "server_error":
            response = face.server_error()
        elif not face.is_authorized(headers):
            response = face.unauthorized()
        else:
            verdicts = self._count(face, scope["path"])
            denied = [v.reset_seconds for v in verdicts if not v.allowed]
            response = face.rate_limited(max(denied)) if denied else None
        extra = face.response_headers(headers, verdicts)
        if response is not None:
            response.headers.update(extra)
            await response(scope, receive, send)
        elif kind in ("malformed", "drop_connection"):
            await self._send_damaged(scope, receive, send, extra, kind)
        else:
            await self.app(scope, receive, _with_headers(send, extra))

    def _count(self, face: AppFace, path: str) -> list[Verdict]:
        settings = self.runtime.settings
        return [
            self.runtime.limiter.hit(limit.bucket, int(settings[limit.setting]), limit.window_seconds)
            for limit in face.limits(path)
        ]

    async def _send_damaged(self, scope: Scope, receive: Receive, send: Send, extra: dict[str, str],
                            kind: str) -> None:
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        if kind == "malformed":
            try:
                page = json.loads(body)
            except ValueError:  # not a JSON page: nothing to corrupt
                page = None
            if isinstance(page, dict) and corrupt_one_record(page):
                body = json.dumps(page, separators=(",", ":")).encode()
        start_headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        start_headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": start_headers + _encoded(extra)})
        if kind == "drop_connection":
            # Half the promised body, then the app returns: uvicorn closes the connection on an
            # incomplete response, so the client sees a broken read, not a clean short answer.
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return
        await send({"type": "http.response.body", "body": body})


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": list(message.get("headers", [])) + _encoded(extra)}
        await send(message)

    return sender
