"""Zendesk Support client: incremental exports with a resumable state, cursor lists, bulk updates and jobs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from .http import AppError, AppSession, CallStats

# Exports walked by cursor; organizations only have the time-based export.
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
CURSOR_EXPORTS = frozenset({"tickets", "users"})
TIME_EXPORTS = frozenset({"organizations"})
PAGE_SIZE = 100
UPDATE_MANY_LIMIT = 100
FINISHED_JOB_STATUSES = frozenset({"completed", "failed", "killed"})


@dataclass
class ExportPage:
    """One incremental-export page and the state to persist once its records are stored."""

    records: list[dict]
    state: dict
    end_of_stream: bool


class ZendeskClient:
    """Reads and bulk-updates Zendesk Support at https://{subdomain}.zendesk.com or the sandbox."""

    def __init__(self, base_url: str, email: str, api_token: str, **session_kwargs) -> None:
        self._session = AppSession(
            "Zendesk",
            base_url,
            auth=(f"{email}/token", api_token),
            auth_hint="Set ZENDESK_EMAIL and ZENDESK_API_TOKEN to an agent's email and an API token.",
            **session_kwargs,
        )

    @property
    def stats(self) -> CallStats:
        """Requests this client sent, retries included."""
        return self._session.stats

    def export_pages(self, stream: str, state: dict | None, *, start_time: int = 0) -> Iterator[ExportPage]:
        """Yield export pages of `stream` from `state` (or from `start_time` when there is none) to the end."""
        if stream in CURSOR_EXPORTS:
            return self._cursor_export(stream, state, start_time)
        if stream in TIME_EXPORTS:
            return self._time_export(stream, state, start_time)
        raise ValueError(f"Zendesk has no incremental export named {stream!r}; use one of "
                         f"{sorted(CURSOR_EXPORTS | TIME_EXPORTS)}")

    def _cursor_export(self, stream: str, state: dict | None, start_time: int) -> Iterator[ExportPage]:
        path = f"/api/v2/incremental/{stream}/cursor.json"
        if state and state.get("cursor"):
            resume = {"cursor": state["cursor"]}
        else:
            resume = {"start_time": (state or {}).get("start_time", start_time)}
        target, params = path, resume
        while True:
            body = self._session.request("GET", target, params=params)
            # after_cursor is present even at the end of the stream: it is where the next run resumes.
            if body.get("after_cursor"):
                resume = {"cursor": body["after_cursor"]}
            yield ExportPage(body[stream], resume, bool(body["end_of_stream"]))
            if body["end_of_stream"]:
                return
            target, params = self._next(body.get("after_url"), path, resume)

    def _time_export(self, stream: str, state: dict | None, start_time: int) -> Iterator[ExportPage]:
        path = f"/api/v2/incremental/{stream}.json"
        requested = (state or {}).get("start_time", start_time)
        target, params = path, {"start_time": requested}
        while True:
            body = self._session.request("GET", target, params=params)
            # An empty last page may carry no end_time: resume where this one started.
            end_time = body.get("end_time") or requested
            yield ExportPage(body[stream], {"start_time": end_time}, bool(body["end_of_stream"]))
            if body["end_of_stream"]:
                return
            if end_time <= requested:
                # More than a page of records sharing one second: Zendesk cannot page past them.
                raise AppError("Zendesk", None, f"the {stream} export did not advance past start_time={requested}",
                               request=f"GET {path}")
            requested = end_time
            target, params = self._next(body.get("next_page"), path, {"start_time": end_time})

    def list_pages(self, resource: str) -> Iterator[list[dict]]:
        """Yield pages of /api/v2/{resource}.json by cursor, stopping when meta.has_more is false."""
        path = f"/api/v2/{resource}.json"
        target, params = path, {"page[size]": PAGE_SIZE}
        while True:
            body = self._session.request("GET", target, params=params)
            yield body[resource]
            meta = body.get("meta") or {}
            # links.next can be present on the last page; only has_more says whether one follows.
            if not meta.get("has_more"):
                return
            next_link = (body.get("links") or {}).get("next")
            target, params = self._next(next_link, path, {"page[size]": PAGE_SIZE, "page[after]": meta["after_cursor"]})

    def _next(self, link: str | None, path: str, params: dict) -> tuple[str, dict | None]:
        """Follow Zendesk's absolute link when it points under base_url; else rebuild it from the cursor.

        Links are built from the host Zendesk saw, which loses a proxy's or the sandbox's path prefix.
        """
        if link and link.startswith(self._session.base_url + "/"):
            return link, None
        return path, params

    def update_many(self, resource: str, items: list[dict]) -> dict:
        """Queue per-record updates of tickets or organizations (at most 100); return the job_status."""
        if len(items) > UPDATE_MANY_LIMIT:
            raise ValueError(f"Zendesk {resource}/update_many takes at most {UPDATE_MANY_LIMIT} records, "
                             f"got {len(items)}: split the batch")
        # PUT of absolute values: resending the same batch leaves the same result, so retries are safe.
        body = self._session.request("PUT", f"/api/v2/{resource}/update_many.json", json={resource: items})
        return body["job_status"]

    def job_status(self, job_id: str) -> dict:
        """The current job_status of a queued bulk job."""
        return self._session.request("GET", f"/api/v2/job_statuses/{job_id}.json")["job_status"]

    def wait_for_job(self, job_id: str, *, timeout: float = 120, first_look: float = 0.2,
                     longest_wait: float = 1.0) -> dict:
        """Poll a bulk job until it is completed, failed or killed; return that final job_status.

        The first look is `first_look` after the call (a job just queued is not finished yet), and each
        wait after it is twice the last, up to `longest_wait`: a small job is seen done soon, and one that
        works for seconds costs a handful of looks, each counted against the account's rate limit.
        """
        deadline = time.monotonic() + timeout
        wait = first_look
        while True:
            time.sleep(min(wait, max(deadline - time.monotonic(), 0.0)))  # the last look is at the deadline
            status = self.job_status(job_id)
            if status["status"] in FINISHED_JOB_STATUSES:
                return status
            if time.monotonic() >= deadline:
                raise AppError("Zendesk", None, f"job {job_id} still {status['status']} after {timeout:g} s",
                               request=f"GET /api/v2/job_statuses/{job_id}.json")
            wait = min(2 * wait, longest_wait)
