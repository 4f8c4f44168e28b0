"""Segment: read raw calls from the S3-destination file layout, push computed traits through the Tracking API."""

from __future__ import annotations

import datetime
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from .http import AppSession, CallStats

# https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size
# Decimal kilobytes: the stricter reading of "32KB" and "500KB".
MAX_CALL_BYTES = 32_000
MAX_BATCH_BYTES = 500_000
MAX_BATCH_CALLS = 2500
# Room for the batch envelope around the calls: {"batch":[...],"sentAt":"2025-01-01T00:00:00.000Z"}.
ENVELOPE_BYTES = 64


class SegmentLanding:
    """The S3 destination's layout on a local or mounted folder: segment-logs/{source_id}/{day_ms}/{file}.gz."""

    def __init__(self, root: Path, source_id: str) -> None:
        self.folder = Path(root) / "segment-logs" / source_id

    def days(self) -> list[datetime.date]:
        """The received days present, oldest first (folders are named by midnight UTC in epoch ms)."""
        if not self.folder.is_dir():
            return []
        day_folders = (p for p in self.folder.iterdir() if p.is_dir() and p.name.isdigit())
        return sorted(datetime.datetime.fromtimestamp(int(p.name) / 1000, tz=datetime.UTC).date() for p in day_folders)

    def files(self, day: datetime.date) -> list[Path]:
        """The finished files of one received day, sorted by name; files still being written are skipped."""
        midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
        folder = self.folder / str(int(midnight.timestamp() * 1000))
        if not folder.is_dir():
            return []
        # The sandbox writes '.{name}.gz.tmp' and renames it when complete.
        return sorted(p for p in folder.glob("*.gz") if p.is_file() and not p.name.startswith("."))

    def read_lines(self, path: Path) -> Iterator[tuple[int, str]]:
        """Yield (1-based line number, text) of each non-blank line of a gzipped NDJSON file."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        yield number, line.rstrip("\n")
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ValueError(f"Segment landing file {path} is not a complete gzip file: {exc}") from exc


class SegmentTrackingClient:
    """Sends identify/track calls to Segment's Tracking API in batches within its size limits."""

    def __init__(self, write_key: str, base_url: str = "https://api.segment.io", **session_kwargs) -> None:
        self._session = AppSession(
            "Segment",
            base_url,
            auth=(write_key, ""),
            auth_hint="Set SEGMENT_WRITE_KEY to the write key of the source that receives computed traits.",
            **session_kwargs,
        )

    @property
    def stats(self) -> CallStats:
        """Requests this client sent, retries included."""
        return self._session.stats

    def send_batch(self, calls: list[dict]) -> int:
        """Send `calls` gzipped in batches of at most 500 KB and 2500 calls; return the number of requests sent."""
        encoded = [_encode_call(index, call) for index, call in enumerate(calls)]
        sent = 0
        for batch in _split(encoded):
            sent_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            body = b'{"batch":[' + b",".join(batch) + b'],"sentAt":"' + sent_at.encode() + b'"}'
            # Segment de-duplicates by messageId, so resending a batch after a failure is safe.
            self._session.request(
                "POST",
                "/v1/batch",
                data=gzip.compress(body),
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
                idempotent=True,
            )
            sent += 1
        return sent


def _encode_call(index: int, call: dict) -> bytes:
    """One call as compact JSON, refused if Segment would reject it or could not de-duplicate a resend."""
    if not call.get("messageId"):
        raise ValueError(f"Segment call #{index} has no messageId: derive one from the record so resends de-duplicate")
    data = json.dumps(call, separators=(",", ":")).encode()
    if len(data) > MAX_CALL_BYTES:
        raise ValueError(f"Segment call {call['messageId']} is {len(data)} bytes, over the {MAX_CALL_BYTES}-byte limit")
    return data


def _split(encoded: list[bytes]) -> Iterator[list[bytes]]:
    """Group encoded calls into batches within Segment's call-count and byte limits, keeping order."""
    batch: list[bytes] = []
    size = ENVELOPE_BYTES
    for data in encoded:
        if batch and (len(batch) == MAX_BATCH_CALLS or size + len(data) + 1 > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], ENVELOPE_BYTES
        batch.append(data)
        size += len(data) + 1
    if batch:
        yield batch
