"""Zendesk tickets and organizations: one update_many job per batch (at most 100), confirmed by its results."""

from __future__ import annotations

from ...apps.http import AppError
from ...apps.zendesk import ZendeskClient
from ..diff import Change
from ..fields import nest
from .base import Sent, refused_by_app


class ZendeskBulkAdapter:
    def __init__(self, client: ZendeskClient, resource: str) -> None:
        self.client = client
        self.resource = resource
        self.stats = client.stats

    def send(self, rows: list[Change]) -> Sent:
        """PUT absolute values in one job and wait for it: resending a batch after a crash changes nothing."""
        items = [{"id": int(row.key), **nest(row.payload or {})} for row in rows]
        try:
            job = self.client.update_many(self.resource, items)
        except AppError as error:
            if not refused_by_app(error):
                raise
            return Sent(1, {row.key: error.message for row in rows})
        status = self.client.wait_for_job(job["id"])
        if status["status"] != "completed":
            return Sent(1, {row.key: f"job {job['id']} {status['status']}: {status.get('message')}" for row in rows})
        results = {str(result["id"]): result for result in status.get("results") or []}
        refused = {}
        for row in rows:
            result = results.get(row.key)
            if result is None:
                refused[row.key] = f"job {job['id']} returned no result for {self.resource} {row.key}"
            elif not result.get("success"):
                refused[row.key] = f"{result.get('error')}: {result.get('details')}"
        return Sent(1, refused)
