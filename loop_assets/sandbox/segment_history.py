"""The Segment side of the generated history: product calls landed as hourly files, streamed day by day.

Each day draws its number of calls (weekends are quiet) and spreads them over people by their
lognormal activity; churned companies go quiet before they cancel and silent after. Calls are
bucketed by receive hour and a bucket is written once no later day can add to it, so memory holds
about one day of calls (plus late arrivals) whatever the scale.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from .credentials import SEGMENT_SOURCE_ID
from .segment_calls import HOUR_WEIGHTS, broken_line, delivery_delay, landing_lines, product_call
from .segment_landing import write_landing_file
from .world import DAY, Company, Person

HOUR = 3600
WEEKEND_FACTOR = 0.35
MEAN_DAY_FACTOR = (5 + 2 * WEEKEND_FACTOR) / 7


def is_weekend(moment: float) -> bool:
    """Saturday or Sunday in UTC (1970-01-01 was a Thursday)."""
    return (int(moment) // DAY + 3) % 7 >= 5


def active_people(world: list[Company], day_start: int) -> tuple[list[tuple[Company, Person]], list[float]]:
    """Who uses the product on the day starting at `day_start`, with cumulative activity weights."""
    people, cumulative, total = [], [], 0.0
    day_end = day_start + DAY
    for company in world:
        if company.created >= day_end or (company.churned_at is not None and company.churned_at <= day_start):
            continue
        # accounts about to churn have already drifted away from the product
        fading = company.churned_at is not None and company.churned_at - day_start < 21 * DAY
        factor = 0.3 if fading else 1.0
        for person in company.people:
            total += person.weight * factor
            people.append((company, person))
            cumulative.append(total)
    return people, cumulative


def calls_for_window(rng: random.Random, world: list[Company], *, start: int, end: int,
                     events_per_customer_day: float) -> list[tuple[float, str]]:
    """Landing lines `(received_at, line)` for calls made in [start, end), broken lines included."""
    lines: list[tuple[float, str]] = []
    day = start - start % DAY
    while day < end:
        people, cumulative = active_people(world, day)
        lo, hi = max(start, day), min(end, day + DAY)
        if people and hi > lo:
            share = sum(HOUR_WEIGHTS[h] for h in range((lo - day) // HOUR, (hi - day - 1) // HOUR + 1)) \
                / sum(HOUR_WEIGHTS)
            factor = (WEEKEND_FACTOR if is_weekend(day) else 1.0) / MEAN_DAY_FACTOR
            count = round(len(world) * events_per_customer_day * factor * share * rng.uniform(0.9, 1.1))
            lines.extend(_calls(rng, people, cumulative, count, day=day, lo=lo, hi=hi))
        day += DAY
    return lines


def _calls(rng: random.Random, people: list[tuple[Company, Person]], cumulative: list[float], count: int, *,
           day: int, lo: int, hi: int) -> list[tuple[float, str]]:
    hours = list(range((lo - day) // HOUR, (hi - day - 1) // HOUR + 1))
    weights = [HOUR_WEIGHTS[h] for h in hours]
    lines = []
    chosen = rng.choices(people, cum_weights=cumulative, k=count)
    for (company, person), hour in zip(chosen, rng.choices(hours, weights, k=count)):
        at = min(hi - 0.001, max(lo, day + hour * HOUR + rng.random() * HOUR))
        received = at + delivery_delay(rng)
        call = product_call(rng, company, person, at=at, received=received)
        lines.extend(landing_lines(rng, call, received))
    if count:  # a few broken lines a day, in proportion to the part of the day covered
        for _ in range(round(rng.randint(2, 6) * (hi - lo) / DAY) or 1):
            company, person = rng.choice(chosen)
            at = rng.uniform(lo, hi)
            lines.append((at + 0.5, broken_line(rng, product_call(rng, company, person, at=at, received=at + 0.5))))
    return lines


def write_segment_history(world: list[Company], state_dir: Path, *, seed: int, start: int, end: int,
                          events_per_customer_day: float) -> dict[str, int]:
    """Land every call of [start, end) in hourly files; calls received after `end` have not arrived yet."""
    rng = random.Random(f"segment:{seed}")
    buckets: dict[int, list[tuple[float, str]]] = defaultdict(list)
    counts = {"segment.line": 0, "segment.file": 0}

    def flush(before: float) -> None:
        for hour in sorted(h for h in buckets if h + HOUR <= before):
            lines = sorted(buckets.pop(hour))
            write_landing_file(state_dir, SEGMENT_SOURCE_ID, [line for _, line in lines], received_at=hour,
                               name=f"{hour}-history")
            counts["segment.line"] += len(lines)
            counts["segment.file"] += 1

    day = start - start % DAY
    while day < end:
        day_lines = calls_for_window(rng, world, start=max(start, day), end=min(end, day + DAY),
                                     events_per_customer_day=events_per_customer_day)
        for received, line in day_lines:
            if received < end:
                buckets[int(received) - int(received) % HOUR].append((received, line))
        day += DAY
        flush(before=day)
    flush(before=float("inf"))
    return counts
