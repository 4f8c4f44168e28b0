"""The data sizes the suite runs at, as sandbox generator settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    days: int
    events_per_customer_day: float
    diff_rows: int          # rows of the synthetic outbound table the sync diff is timed on


# Per customer over 90 days the generator writes ~8.7 charges, ~1 ticket and 90 x events_per_customer_day
# Segment lines; `medium` has 1.1M raw rows (the model benchmark's 1M+), `large` is sized from those rates
# to reach 1M charges, 100k tickets and 10M events.
SCALES = {
    "tiny": Scale("tiny", customers=15, days=5, events_per_customer_day=1.0, diff_rows=10_000),
    "small": Scale("small", customers=200, days=30, events_per_customer_day=1.5, diff_rows=100_000),
    "medium": Scale("medium", customers=2_000, days=90, events_per_customer_day=6.0, diff_rows=1_000_000),
    "large": Scale("large", customers=120_000, days=90, events_per_customer_day=1.0, diff_rows=1_000_000),
}
