"""Zendesk's bulk-update jobs: queued, then working, then completed by a background worker.

Jobs live in the store's `jobs` table, so a restarted server finishes the jobs it had accepted.
https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time

from .runtime import Runtime
from .store import Store
from .zendesk_http import ZendeskError
from .zendesk_updates import apply_item

MAX_ACTIVE_JOBS = 30  # Zendesk's limit of queued or running jobs per account
UNFINISHED = "status in ('queued', 'working')"  # the condition of the store's `jobs_unfinished` index
log = logging.getLogger(__name__)


def enqueue_job(store: Store, kind: str, items: list[dict]) -> dict:
    """Queue a bulk update of `kind` (ticket | organization) items, or Zendesk's 429 when too many are active."""
    job_id = secrets.token_hex(16)
    with store.transaction():
        active = store.query(f"select count(*) from jobs where {UNFINISHED}")[0][0]
        if active >= MAX_ACTIVE_JOBS:
            raise ZendeskError(429, "TooManyJobs",
                               f"Number of simultaneous jobs limited to {MAX_ACTIVE_JOBS}; retry when some finish")
        store.db.execute("insert into jobs values (?, ?, ?, 'queued', ?, null)",
                         (job_id, kind, time.time(), json.dumps({"items": items})))
    return find_job(store, job_id)


def find_job(store: Store, job_id: str) -> dict | None:
    """The stored job as a row dict, or None when unknown."""
    rows = store.query("select * from jobs where id = ?", (job_id,))
    return dict(rows[0]) if rows else None


def job_status_body(job: dict, url: str, runtime: Runtime) -> dict:
    """The `job_status` object Zendesk returns for a job."""
    total = len(json.loads(job["payload"])["items"])
    progress = None
    if job["status"] == "working":
        queued, working = runtime.settings["job_queued_seconds"], runtime.settings["job_working_seconds"]
        elapsed = time.time() - job["created"] - queued
        progress = min(total - 1, int(total * elapsed / working)) if working else 0
    elif job["status"] == "completed":
        progress = total
    return {"id": job["id"], "url": url, "total": total, "progress": progress, "status": job["status"],
            "message": None, "results": json.loads(job["results"]) if job["results"] else None}


class JobWorker:
    """A background thread that moves jobs along on the clock set by `job_queued_seconds`/`job_working_seconds`."""

    def __init__(self, runtime: Runtime, poll_seconds: float = 0.05):
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="zendesk-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.advance()
            except Exception:  # keep the worker alive: one bad job must not stop the others
                log.exception("Zendesk job worker failed to advance jobs")

    def advance(self) -> None:
        """Move every job whose time has come one step forward."""
        store, settings = self.runtime.store(), self.runtime.settings
        now = time.time()
        queued, working = settings["job_queued_seconds"], settings["job_working_seconds"]
        for job in store.query(f"select id, created, status from jobs where {UNFINISHED}"):
            if job["status"] == "queued" and now >= job["created"] + queued:
                store.db.execute("update jobs set status = 'working' where id = ? and status = 'queued'", (job["id"],))
            elif job["status"] == "working" and now >= job["created"] + queued + working:
                self._complete(store, job["id"])

    def _complete(self, store: Store, job_id: str) -> None:
        # All items in one transaction: a crash leaves the job working, to be completed after a restart.
        with store.transaction():
            job = find_job(store, job_id)
            if job["status"] != "working":
                return
            at = int(time.time())
            results = [apply_item(store, job["kind"], item, at) for item in json.loads(job["payload"])["items"]]
            store.db.execute("update jobs set status = 'completed', results = ? where id = ?",
                             (json.dumps(results), job_id))
