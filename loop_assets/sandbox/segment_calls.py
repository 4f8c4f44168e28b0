"""Segment calls from the product (track, page, identify, group), with the mess real landing files have.

Per call: ~1% are delivered twice (same messageId, sometimes an hour later so in another file), ~0.5%
arrive hours to two days late (offline clients: receivedAt far after timestamp, so they land in a
later day's folder), and a few lines a day are broken (truncated JSON, no messageId, a string where a
number belongs). Calls carry ISO-8601 UTC timestamps with milliseconds, as Segment writes them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import lru_cache
from itertools import accumulate

from .world import Company, Person

FEATURES = ("dashboards", "alerts", "reports", "exports", "sql_editor", "notebooks", "segments", "funnels",
            "retention", "cohorts", "goals", "annotations", "data_sources", "webhooks", "api_keys",
            "scheduled_reports", "slack_integration", "email_digest", "sharing", "comments", "templates",
            "forecasts", "anomaly_detection", "custom_metrics", "embedded_charts", "audit_log", "sso",
            "roles", "billing_portal", "usage_limits", "data_dictionary", "lineage", "catalog_search",
            "ai_assistant", "mobile_app", "public_links")
# Product usage concentrates on a few features (Zipf-like), as it does in most SaaS apps.
FEATURE_CUMULATIVE_WEIGHTS = tuple(accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(FEATURES))))
PAGES = (("Dashboard", "/"), ("Reports", "/reports"), ("Alerts", "/alerts"), ("Settings", "/settings"),
         ("Billing", "/settings/billing"), ("Integrations", "/integrations"), ("Team", "/settings/team"),
         ("Docs", "/docs"), ("Changelog", "/changelog"), ("SQL editor", "/sql"))
CALL_KINDS = ("Signed In", "Feature Used", "page", "identify", "group")
CALL_CUMULATIVE_WEIGHTS = tuple(accumulate((12, 50, 33, 3, 2)))
# Business hours across Europe and the Americas, in UTC.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 12, 14, 15, 15, 14, 12, 10, 8, 6, 4, 3)
USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


def iso_ms(ts: float) -> str:
    """`2026-01-02T03:04:05.678Z`: Segment's timestamp format."""
    millis = int(ts * 1000)
    seconds, millis = divmod(millis, 1000)
    minute, second = divmod(seconds, 60)
    return f"{_minute_prefix(minute)}{second:02d}.{millis:03d}Z"


@lru_cache(maxsize=4096)
def _minute_prefix(minute: int) -> str:
    # formatting a datetime costs more than the rest of a call; calls cluster in the same minutes
    return datetime.fromtimestamp(minute * 60, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:")


def product_call(rng: random.Random, company: Company, person: Person, *, at: float, received: float) -> dict:
    """One call a person's browser sends at `at`, received by Segment at `received`."""
    kind = rng.choices(CALL_KINDS, cum_weights=CALL_CUMULATIVE_WEIGHTS)[0]
    if kind == "group" and company.group_id is None:
        kind = "Feature Used"
    sent = max(at, received - rng.uniform(0.05, 0.5))
    at_text = iso_ms(at)
    call: dict = {
        "type": "track",
        "messageId": f"ajs-next-{rng.getrandbits(128):032x}",
        "userId": person.user_id,
        "anonymousId": person.anonymous_id,
        "channel": "client",
        "context": {"library": {"name": "analytics.js", "version": "npm:next-1.70.0"}, "locale": "en-US",
                    "userAgent": USER_AGENT},
        "integrations": {},
        "originalTimestamp": at_text,
        "sentAt": iso_ms(sent),
        "receivedAt": iso_ms(received),
        "timestamp": at_text,
        "version": 2,
    }
    if kind == "Feature Used":
        call["event"] = kind
        call["properties"] = {"feature": rng.choices(FEATURES, cum_weights=FEATURE_CUMULATIVE_WEIGHTS)[0],
                              "duration_ms": int(rng.lognormvariate(7.5, 1.0))}
    elif kind == "Signed In":
        call["event"] = kind
        call["properties"] = {"method": rng.choice(("password", "google", "google", "sso"))}
    elif kind == "page":
        name, path = rng.choice(PAGES)
        call.update(type="page", name=name)
        call["properties"] = {"path": path, "url": f"https://app.loop-sandbox.example{path}", "title": name,
                              "referrer": ""}
        if rng.random() < 0.1:  # browsing before logging in: only the anonymousId is known
            call["userId"] = None
    elif kind == "identify":
        email = person.email if rng.random() < 0.9 else person.email.title()
        call.update(type="identify", traits={"email": email, "name": person.name})
    else:
        call.update(type="group", groupId=company.group_id,
                    traits={"name": company.name, "domain": company.domain, "plan": company.plan.name})
    return call


def delivery_delay(rng: random.Random) -> float:
    """Seconds from the browser sending a call to Segment receiving it: usually instant, sometimes days."""
    if rng.random() < 0.005:
        return rng.uniform(2 * 3600, 48 * 3600)
    return rng.uniform(0.05, 2.0)


def landing_lines(rng: random.Random, call: dict, received: float) -> Iterator[tuple[float, str]]:
    """The line(s) one call lands as, keyed by receive time: a retried delivery repeats the messageId."""
    yield received, json.dumps(call, separators=(",", ":"))
    if rng.random() < 0.01:
        again = received + (rng.uniform(1, 30) if rng.random() < 0.5 else rng.uniform(3600, 3 * 3600))
        yield again, json.dumps({**call, "receivedAt": iso_ms(again)}, separators=(",", ":"))


def broken_line(rng: random.Random, call: dict) -> str:
    """A line a loader must quarantine: truncated JSON, no messageId, or a string where a number belongs."""
    damage = rng.choice(("truncated", "no_message_id", "string_number"))
    if damage == "truncated":
        line = json.dumps(call, separators=(",", ":"))
        return line[: rng.randint(10, len(line) - 2)]
    broken = {key: value for key, value in call.items() if key != "messageId"}
    if damage == "string_number":
        broken = {**call, "type": "track", "event": "Feature Used",
                  "properties": {"feature": "reports", "duration_ms": f"{rng.randint(1, 90)}s"}}
    return json.dumps(broken, separators=(",", ":"))
