"""A scripted HTTP server on a free port that plays back replies, for testing the clients over real HTTP."""

from __future__ import annotations

import gzip
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass
class Reply:
    """One scripted response; `drop_after` sends only that many body bytes, then closes the connection."""

    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    drop_after: int | None = None


@dataclass
class Received:
    """A request as the server saw it, body decoded (gunzipped, JSON or form-parsed where it applies)."""

    method: str
    target: str  # as the request line has it: a path, or the whole URL when sent to a proxy
    path: str
    query: dict
    headers: dict
    body: object
    size: int  # bytes of the decoded body


class ScriptedServer:
    """Answers each request with the next scripted Reply, or with `respond(received)` once the script is empty."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.respond: Callable[[Received], Reply] | None = None
        self.received: list[Received] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _reply_to(self, received: Received) -> Reply:
        self.received.append(received)
        if self.replies:
            return self.replies.popleft()
        if self.respond is not None:
            return self.respond(received)
        return Reply(500, {"error": "the test script has no reply left"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    raw = gzip.decompress(raw)
                content_type = self.headers.get("Content-Type", "")
                if "json" in content_type:
                    body = json.loads(raw)
                elif "form" in content_type:
                    body = dict(parse_qsl(raw.decode(), keep_blank_values=True))
                else:
                    body = raw
                url = urlsplit(self.path)
                query = dict(parse_qsl(url.query))
                received = Received(self.command, self.path, url.path, query, dict(self.headers), body, len(raw))
                reply = server._reply_to(received)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.drop_after is None:
                    self.wfile.write(payload)
                else:
                    self.wfile.write(payload[: reply.drop_after])
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _serve

        return Handler

    def start(self) -> None:
        threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def server():
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()
