"""The raw page-fetch limit: walk the same endpoints with plain requests, parse each page, keep nothing."""

from __future__ import annotations

import time

import requests

from loop_assets.sandbox import credentials

from .endpoints import (STRIPE_LISTS, STRIPE_PAGE_SIZE, STRIPE_VERSION, ZENDESK_CURSOR_EXPORTS,
                        ZENDESK_TIME_EXPORTS)


def fetch_and_discard(url: str) -> dict:
    """Records and requests per second of fetching every page of every stream, one after another."""
    session = requests.Session()
    started = time.perf_counter()
    records = calls = 0
    stripe = {"Authorization": f"Bearer {credentials.STRIPE_API_KEY}", "Stripe-Version": STRIPE_VERSION}
    zendesk = (f"{credentials.ZENDESK_EMAIL}/token", credentials.ZENDESK_API_TOKEN)
    for resource, params in STRIPE_LISTS:
        query = {**params, "limit": STRIPE_PAGE_SIZE}
        while True:
            body = _get(session, f"{url}/stripe/v1/{resource}", query, headers=stripe)
            calls, records = calls + 1, records + len(body["data"])
            if not body["has_more"] or not body["data"]:
                break
            query["starting_after"] = body["data"][-1]["id"]
    for stream in ZENDESK_CURSOR_EXPORTS:
        query = {"start_time": 0}
        while True:
            body = _get(session, f"{url}/zendesk/api/v2/incremental/{stream}/cursor.json", query, auth=zendesk)
            calls, records = calls + 1, records + len(body[stream])
            if body["end_of_stream"]:
                break
            query = {"cursor": body["after_cursor"]}
    for stream in ZENDESK_TIME_EXPORTS:
        query = {"start_time": 0}
        while True:
            body = _get(session, f"{url}/zendesk/api/v2/incremental/{stream}.json", query, auth=zendesk)
            calls, records = calls + 1, records + len(body[stream])
            if body["end_of_stream"]:
                break
            query = {"start_time": body["end_time"]}
    seconds = time.perf_counter() - started
    return {"records": records, "requests": calls, "seconds": seconds, "records_per_s": records / seconds}


def _get(session: requests.Session, url: str, params: dict, **kwargs) -> dict:
    response = session.get(url, params=params, timeout=60, **kwargs)
    response.raise_for_status()
    return response.json()
