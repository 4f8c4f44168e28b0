"""Type Segment's landing lines: in bulk in DuckDB where a line has the canonical shape, in Python otherwise.

DuckDB parses and types every line of a page at once. A line it does not accept (bad JSON, an unusual
timestamp form, a wrong type) takes the Python path of `records.py`, which lands what it accepts and
says precisely why it refuses the rest, so the fast path changes no outcome, only the speed (an object
column keeps the sender's key order there, where the Python path sorts the keys).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd

from .landing import CheckedPage, typed_frame
from .records import Column, MalformedRecord, parse_iso, to_row
from .specs import StreamSpec

SEGMENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")
# The timestamp forms both paths read alike: DuckDB only takes these, Python's fromisoformat takes more.
ISO_UTC_OFFSET = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class LinePage:
    """Lines of one page as read, their `file:line` positions, and the cursor after them."""

    source: str
    lines: list[str]
    positions: list[str]
    state: dict
    broken: dict[int, str] = field(default_factory=dict)  # line index -> why it could not even be read


def checked_calls(spec: StreamSpec, pages: Iterator[LinePage]) -> Iterator[CheckedPage]:
    """Every line typed against the spec: DuckDB's typed frame for the canonical ones, rows or rejects for
    the rest. Runs on the fetching thread with a DuckDB of its own (in memory)."""
    typed_sql = _typed_sql(spec)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for page in pages:
            typed = _typed(con, typed_sql, page)
            fast = typed[typed["_loop_ok"]].drop(columns=["_loop_ok", "index"])
            rows, rejects = [], []
            for i in typed.loc[~typed["_loop_ok"], "index"]:
                _check_in_python(spec, page, int(i), rows, rejects)
            frame = pd.concat([fast, typed_frame(spec, rows)], ignore_index=True) if rows else fast
            yield CheckedPage(frame, rejects, page.state)


def _typed(con, typed_sql: str, page: LinePage) -> pd.DataFrame:
    con.register("loop_lines", pd.DataFrame({"line": page.lines, "index": range(len(page.lines))}))
    try:
        typed = con.execute(typed_sql).df()
    finally:
        con.unregister("loop_lines")
    if page.broken:
        typed.loc[typed["index"].isin(list(page.broken)), "_loop_ok"] = False
    return typed


def _check_in_python(spec: StreamSpec, page: LinePage, i: int, rows: list, rejects: list) -> None:
    """The Python path for one line: a typed row, or a reject saying which field is wrong and how."""
    text, call = page.lines[i], None
    try:
        if i in page.broken:
            raise MalformedRecord(page.broken[i])
        call = parse_call(text)
        rows.append((*to_row(spec.columns, call), -received_ms(call), text))
    except MalformedRecord as exc:
        key = call.get(spec.columns[0].path or spec.primary_key) if call else None
        rejects.append((page.source, page.positions[i], None if key is None else str(key), str(exc), text))


def parse_call(text: str) -> dict:
    """One landing line as a Segment call; raises MalformedRecord naming what is wrong."""
    try:
        call = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedRecord(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(call, dict):
        raise MalformedRecord(f"expected a JSON object, got {type(call).__name__}")
    if call.get("type") not in SEGMENT_TYPES:
        raise MalformedRecord(f"field 'type': expected one of {sorted(SEGMENT_TYPES)}, got {call.get('type')!r}")
    if not call.get("userId") and not call.get("anonymousId"):
        raise MalformedRecord("a call needs userId or anonymousId; both are missing")
    return call


def received_ms(call: dict) -> int:
    """When Segment received the call, in epoch milliseconds (exact: no float rounding)."""
    return (parse_iso(call.get("receivedAt")) - EPOCH) // timedelta(milliseconds=1)


def _typed_sql(spec: StreamSpec) -> str:
    """One row per line: the spec's typed columns, the version (earliest receipt wins), the raw line, and
    `_loop_ok`: whether DuckDB read the line exactly as the Python path would.

    Each line is parsed once, into the list of the JSON values at every path the columns and the call's
    rules read; everything after works on those small values.
    """
    paths = list(dict.fromkeys([*(c.path or c.name for c in spec.columns), "type", "userId", "anonymousId"]))
    at = {path: _Value(f"v[{i + 1}]") for i, path in enumerate(paths)}
    values, checks = [], ["root = 'OBJECT'", _segment_call_sql(at)]
    for column in spec.columns:
        value, check = _column_sql(column, at[column.path or column.name])
        values.append(f'{value} as "{column.name}"')
        checks.append(f"({check})")
    received = next(c for c in spec.columns if (c.path or c.name) == "receivedAt")
    version = f"-epoch_ms({_column_sql(received, at['receivedAt'])[0]}) as _loop_version"
    extract = "json_extract(line, [" + ", ".join(f"'{_path(p)}'" for p in paths) + "])"
    return (
        f"select {', '.join(values)}, {version}, line as _loop_raw, "
        f"coalesce({' and '.join(checks)}, false) as _loop_ok, index "
        f"from (select line, index, case when json_valid(line) then json_type(line) end as root, "
        f"case when json_valid(line) then {extract} end as v from loop_lines)"
    )


@dataclass(frozen=True)
class _Value:
    """SQL for one JSON value read off a line: the value, its JSON type ('NULL' when absent), its text."""

    json: str

    @property
    def kind(self) -> str:
        return f"coalesce(json_type({self.json}), 'NULL')"

    @property
    def text(self) -> str:
        return f"({self.json} ->> '$')"


def _segment_call_sql(at: dict[str, _Value]) -> str:
    kinds = ", ".join(f"'{t}'" for t in SEGMENT_TYPES)
    present = " or ".join(f"({at[f].kind} = 'VARCHAR' and {at[f].text} <> '')" for f in ("userId", "anonymousId"))
    return f"{at['type'].kind} = 'VARCHAR' and {at['type'].text} in ({kinds}) and ({present})"


def _column_sql(column: Column, value: _Value) -> tuple[str, str]:
    """(typed value, condition under which DuckDB's value is the Python path's) of one column."""
    absent = "false" if column.required else f"{value.kind} = 'NULL'"
    if column.kind == "text":
        return value.text, f"{absent} or {value.kind} = 'VARCHAR'"
    if column.kind == "iso":
        typed = f"try_cast({value.text} as timestamptz)"
        return (f"case when {value.kind} = 'VARCHAR' then {typed} end",
                f"{absent} or ({value.kind} = 'VARCHAR' and regexp_full_match({value.text}, '{ISO_UTC_OFFSET}') "
                f"and {typed} is not null)")
    if column.kind == "object":
        return f"case when {value.kind} = 'OBJECT' then {value.json} end", f"{absent} or {value.kind} = 'OBJECT'"
    raise ValueError(f"column {column.name}: kind {column.kind!r} has no DuckDB typing for Segment lines")


def _path(dotted: str) -> str:
    return "$." + ".".join(f'"{step}"' for step in dotted.split("."))
