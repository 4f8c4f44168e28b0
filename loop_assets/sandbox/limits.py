"""Rate limiting for the sandbox apps: fixed windows, as Stripe, Zendesk and Segment count requests."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """One bucket's answer to a request: allowed or not, and what the rate-limit headers report."""

    bucket: str
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # whole seconds until the window resets; 429s send it as Retry-After


class RateLimiter:
    """Counts requests per bucket in fixed windows aligned to the clock; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # bucket -> (window start, requests counted)

    def hit(self, bucket: str, limit: int, window_seconds: float) -> Verdict:
        """Count one request against `bucket`; a request over the limit is refused and not counted."""
        now = time.time()
        start = now - now % window_seconds
        with self._lock:
            window_start, used = self._windows.get(bucket, (start, 0))
            if window_start != start:
                used = 0
            allowed = used < limit
            if allowed:
                used += 1
            self._windows[bucket] = (start, used)
        reset = max(1, math.ceil(start + window_seconds - now))
        return Verdict(bucket, allowed, limit, max(0, limit - used), reset)
