"""Answer "why does this app record hold this value?" from loop.sync_audit and the model rows behind it."""

from __future__ import annotations

import json

from ..warehouse import quote
from .specs import SYNCS, SyncSpec


def find_spec(app: str, object_name: str, specs: tuple[SyncSpec, ...] = SYNCS) -> SyncSpec:
    """The sync that writes `object_name` (singular or plural) in `app`."""
    wanted = {f"{app}_{object_name}", f"{app}_{object_name}s"}
    for spec in specs:
        if spec.destination in wanted:
            return spec
    known = ", ".join(spec.destination.replace("_", " ", 1) for spec in specs)
    raise LookupError(f"no sync writes {app} {object_name}; known: {known}")


def explain(conn, spec: SyncSpec, key: str) -> str:
    """The pushes of `key` (newest first), what is delivered now, and the current model rows with their reasons."""
    lines = [f"{spec.app} {spec.destination.split('_', 1)[1]} {key} (sync {spec.name}, model {spec.model})", ""]
    pushes = conn.execute(
        "select pushed_at, run_id, field, old_value, new_value from loop.sync_audit "
        "where sync = ? and key = ? order by pushed_at desc, field", [spec.name, key]).fetchall()
    lines.append("Pushes by the loop:" if pushes else "The loop has never pushed a value to it.")
    lines += [f"  {at:%Y-%m-%d %H:%M:%S} run {run_id[:8]}  {field}: {old} -> {new}"
              for at, run_id, field, old, new in pushes]
    conflicts = conn.execute(
        "select field, pushed_value, app_value, policy from loop.sync_conflicts where sync = ? and key = ?",
        [spec.name, key]).fetchall()
    lines += [f"  agent override of {field}: loop pushed {pushed}, app holds {app} ({policy})"
              for field, pushed, app, policy in conflicts]
    models = [(spec.model, spec.primary_key)] + ([spec.explained_by] if spec.explained_by else [])
    for model, column in dict(models).items():
        lines += ["", f"Current row of {model}:"]
        lines += _model_row(conn, model, column, key)
    return "\n".join(lines)


def _model_row(conn, model: str, column: str, key: str) -> list[str]:
    cursor = conn.execute(f"select * from main.{quote(model)} where cast({quote(column)} as varchar) = ?", [key])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        return ["  (no row: the model no longer covers it)"]
    return [f"  {name}: {json.dumps(value, default=str) if isinstance(value, (list, dict)) else value}"
            for name, value in zip(names, row)]
