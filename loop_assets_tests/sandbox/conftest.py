"""A real sandbox server per test: uvicorn on a free port in a background thread, over a fresh state dir."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn

from loop_assets.sandbox.credentials import (SEGMENT_WRITE_KEY, STRIPE_API_KEY, ZENDESK_API_TOKEN,
                                             ZENDESK_EMAIL)
from loop_assets.sandbox.server import build_app
from loop_assets.sandbox.store import Store, open_store

AUTH = {
    "stripe": {"headers": {"Authorization": f"Bearer {STRIPE_API_KEY}"}},
    "zendesk": {"auth": (f"{ZENDESK_EMAIL}/token", ZENDESK_API_TOKEN)},
    "segment": {"auth": (SEGMENT_WRITE_KEY, "")},
}


@dataclass
class Sandbox:
    """A running sandbox: its base URL, state directory and a store connection for seeding."""

    url: str
    state_dir: Path
    store: Store

    def call(self, app: str, method: str, path: str, **kwargs) -> requests.Response:
        """An authenticated request to one emulated app, e.g. `call("stripe", "GET", "/v1/customers")`."""
        credentials = AUTH[app]
        headers = {**credentials.get("headers", {}), **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/{app}{path}", headers=headers,
                                auth=credentials.get("auth"), timeout=10, **kwargs)

    def configure(self, **settings) -> dict:
        response = requests.post(f"{self.url}/_sandbox/config", json=settings, timeout=5)
        response.raise_for_status()
        return response.json()

    def add_fault(self, **rule) -> None:
        requests.post(f"{self.url}/_sandbox/faults", json=rule, timeout=5).raise_for_status()


@pytest.fixture
def sandbox(tmp_path: Path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(build_app(tmp_path), log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox server did not start within 10 s"
        time.sleep(0.01)
    store = open_store(tmp_path)
    yield Sandbox(f"http://127.0.0.1:{sock.getsockname()[1]}", tmp_path, store)
    server.should_exit = True
    thread.join(timeout=10)
    store.close()
