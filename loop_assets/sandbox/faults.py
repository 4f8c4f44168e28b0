"""Fault injection: rules switched on at run time make the sandbox apps fail the way real services do."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

APPS = ("stripe", "zendesk", "segment", "*")
KINDS = ("rate_limit", "server_error", "drop_connection", "slow", "malformed")


class InvalidFaultRule(ValueError):
    """A fault rule posted to /_sandbox/faults that cannot be applied; the message names the field."""


@dataclass
class FaultRule:
    """Skip the first `after` matching requests, then fault the next `count` ones with `kind`."""

    app: str
    kind: str
    path: str | None = None  # a substring of the request path
    method: str | None = None
    count: int = 1
    after: int = 0
    delay: float = 1.0  # seconds, for kind "slow"
    seen: int = field(default=0, init=False)  # matching requests so far
    remaining: int = field(init=False)  # faults still to inject

    def __post_init__(self) -> None:
        self.remaining = self.count

    def matches(self, app: str, method: str, path: str) -> bool:
        return (
            self.app in ("*", app)
            and (self.method is None or self.method == method)
            and (self.path is None or self.path in path)
        )


def parse_rule(raw: dict) -> FaultRule:
    """Validate one posted rule, naming the field that is wrong."""
    if not isinstance(raw, dict):
        raise InvalidFaultRule("a fault rule must be a JSON object")
    unknown = set(raw) - {"app", "kind", "path", "method", "count", "after", "delay"}
    if unknown:
        raise InvalidFaultRule(f"unknown fault rule field(s): {', '.join(sorted(unknown))}")
    if raw.get("app") not in APPS:
        raise InvalidFaultRule(f"fault rule field 'app' must be one of {', '.join(APPS)}")
    if raw.get("kind") not in KINDS:
        raise InvalidFaultRule(f"fault rule field 'kind' must be one of {', '.join(KINDS)}")
    for name in ("count", "after"):
        value = raw.get(name, 1 if name == "count" else 0)
        if not isinstance(value, int) or value < 0:
            raise InvalidFaultRule(f"fault rule field '{name}' must be a non-negative integer")
    delay = raw.get("delay", 1.0)
    if not isinstance(delay, (int, float)) or delay < 0:
        raise InvalidFaultRule("fault rule field 'delay' must be a non-negative number of seconds")
    method = raw.get("method")
    return FaultRule(
        app=raw["app"], kind=raw["kind"], path=raw.get("path"), method=method.upper() if method else None,
        count=raw.get("count", 1), after=raw.get("after", 0), delay=float(delay),
    )


class FaultBook:
    """The active fault rules; thread-safe because requests are served from a thread pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def listing(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, app: str, method: str, path: str) -> FaultRule | None:
        """The first rule that faults this request, its counters moved on; every matching rule counts it."""
        chosen = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(app, method, path):
                    continue
                rule.seen += 1
                if chosen is None and rule.seen > rule.after and rule.remaining > 0:
                    rule.remaining -= 1
                    chosen = rule
        return chosen


def corrupt_one_record(page: dict) -> bool:
    """Break one record of a list page the way bad upstream data looks: no id and a date that is no date."""
    for value in page.values():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            record = value[len(value) // 2]
            record.pop("id", None)
            for field in ("created", "created_at", "updated_at"):
                if field in record:
                    record[field] = "not-a-date"
            return True
    return False
