"""What the sandbox server shares between requests: state directory, settings, faults, rate limits, stores."""

from __future__ import annotations

import threading
from pathlib import Path

from .faults import FaultBook
from .limits import RateLimiter
from .store import Store, open_store

# The apps' documented defaults; tests and benchmarks change them through /_sandbox/config.
DEFAULT_SETTINGS: dict[str, float] = {
    "stripe_requests_per_second": 25,  # Stripe test mode
    "zendesk_requests_per_minute": 700,  # Zendesk Professional plan
    "zendesk_exports_per_minute": 10,  # Zendesk incremental exports
    "segment_requests_per_second": 500,  # Segment's Tracking API has no hard limit; this is generous
    "incremental_lag_seconds": 60,  # Zendesk exports leave out the last minute of changes
    "job_queued_seconds": 1.0,  # how long a Zendesk bulk job waits before it starts working
    "job_working_seconds": 2.0,  # how long it works before it completes
    "job_ttl_seconds": 3600,  # Zendesk forgets job statuses after about an hour
}


class InvalidSetting(ValueError):
    """A setting posted to /_sandbox/config that does not exist or has a wrong value."""


class Settings:
    """The sandbox's run-time settings, changeable while it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict(DEFAULT_SETTINGS)

    def __getitem__(self, name: str) -> float:
        with self._lock:
            return self._values[name]

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)

    def update(self, changes: dict) -> dict[str, float]:
        """Apply `changes` all or nothing, naming the first setting that is wrong."""
        if not isinstance(changes, dict):
            raise InvalidSetting("sandbox settings must be a JSON object")
        for name, value in changes.items():
            if name not in DEFAULT_SETTINGS:
                raise InvalidSetting(f"unknown sandbox setting {name!r}; known: {', '.join(DEFAULT_SETTINGS)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise InvalidSetting(f"sandbox setting {name!r} must be a non-negative number")
        with self._lock:
            self._values.update(changes)
            return dict(self._values)


class Runtime:
    """The server's shared state; each thread gets its own SQLite connection to the store."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.settings = Settings()
        self.faults = FaultBook()
        self.limiter = RateLimiter()
        self._local = threading.local()

    def store(self) -> Store:
        """This thread's connection to the sandbox store."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = open_store(self.state_dir)
        return store
