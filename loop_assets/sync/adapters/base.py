"""What every adapter offers the delivery loop: send a batch, say per row what the app refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ...apps.http import AppError, CallStats
from ..diff import Change


@dataclass
class Sent:
    """The result of one batch: write requests made, and the app's error per refused row (others confirmed)."""

    requests: int
    refused: dict[str, str] = field(default_factory=dict)


class Adapter(Protocol):
    stats: CallStats

    def send(self, rows: list[Change]) -> Sent:
        """Write `rows` (at most the spec's batch size) and wait until the app confirms or refuses each."""


def refused_by_app(error: AppError) -> bool:
    """A 4xx the app will repeat for this payload (not a rate limit or lock): a row rejection, not an outage."""
    return error.status is not None and 400 <= error.status < 500 and error.status not in (401, 403, 409, 429)
