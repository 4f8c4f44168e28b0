"""Decide what a sync sends: overrides by agents, dead letters, missing fields and the blast-radius guard."""

from __future__ import annotations

from dataclasses import dataclass, field

from .diff import Change
from .fields import read_path
from .specs import SyncSpec


class BlastRadiusExceeded(Exception):
    """More of the delivered rows would change at once than the spec allows."""


@dataclass
class Conflict:
    """A field an agent changed in the app after the loop pushed it."""

    key: str
    field: str
    pushed: object
    app: object
    model: object


@dataclass
class Plan:
    to_send: list[Change] = field(default_factory=list)
    adopted: list[Change] = field(default_factory=list)      # the app already holds the model's values
    conflicts: list[Conflict] = field(default_factory=list)
    kept_human: set[str] = field(default_factory=set)         # rows not sent because an agent's value wins
    missing: list[tuple[Change, str]] = field(default_factory=list)  # (row, reason) refused before sending
    dead_lettered: list[Change] = field(default_factory=list)
    readback_confirmed: int = 0
    readback_mismatched: int = 0


def plan_sync(spec: SyncSpec, changes: list[Change], readbacks: list[tuple[Change, dict]]) -> Plan:
    """Sort the change set into rows to send, rows to adopt, conflicts, refusals and dead letters."""
    plan = Plan()
    pending = {change.key: change for change in changes}
    for row, record in readbacks:
        app_values = {path: read_path(record, path) for _, path in spec.fields}
        drifted = [path for path, value in app_values.items() if not same(value, row.delivered.get(path))]
        if not drifted:
            plan.readback_confirmed += 1
            continue
        plan.readback_mismatched += 1
        if row.payload is not None and all(same(app_values[p], row.payload.get(p)) for p in app_values):
            pending.pop(row.key, None)
            plan.adopted.append(row)
            continue
        plan.conflicts += [Conflict(row.key, path, row.delivered.get(path), app_values[path],
                                    (row.payload or {}).get(path)) for path in drifted]
        if spec.on_conflict == "keep_human":
            pending.pop(row.key, None)
            plan.kept_human.add(row.key)
        elif row.change == "unchanged":
            pending[row.key] = row  # overwrite: push the model's value back over the agent's
    for row in pending.values():
        if row.dead_lettered:
            plan.dead_lettered.append(row)
        elif row.change == "removed" and spec.mode != "mirror":
            continue
        elif row.payload is not None and (empty := [p for p, v in row.payload.items() if v is None]):
            plan.missing.append((row, f"required field(s) {', '.join(empty)} missing in {spec.model}"))
        else:
            plan.to_send.append(row)
    plan.to_send.sort(key=lambda row: row.key)
    return plan


def guard_blast_radius(spec: SyncSpec, plan: Plan, delivered_rows: int) -> None:
    """Refuse to overwrite more than `max_change_share` of the rows the loop already delivered in one run.

    Rows the loop never wrote ('added') do not count, so a first sync and the resumption of an
    interrupted one go through; the guard is for a model bug that rewrites what is already in the app.
    """
    rewrites = sum(1 for row in plan.to_send if row.change != "added")
    if delivered_rows and rewrites / delivered_rows > spec.max_change_share:
        raise BlastRadiusExceeded(
            f"sync {spec.name} would change {rewrites} of {delivered_rows} delivered rows "
            f"({rewrites / delivered_rows:.0%}), over max_change_share {spec.max_change_share:.0%} in "
            f"loop_assets/sync/specs.py; check {spec.model}, then re-run with allow_large_change: true "
            f"if the change is intended"
        )


def same(app_value, loop_value) -> bool:
    """Equal as the app sees it: tag order does not matter, numbers and their text are alike."""
    if isinstance(app_value, list) and isinstance(loop_value, list):
        return sorted(map(str, app_value)) == sorted(map(str, loop_value))
    if app_value is None or loop_value is None:
        return app_value is None and loop_value is None
    return str(app_value) == str(loop_value)
