"""Turn one API record into one typed warehouse row, or say precisely why it cannot be landed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


class MalformedRecord(ValueError):
    """A record that breaks the stream's schema; its message names the field and what was wrong. Standing in
    for a record on a page, it keeps what arrived in its place as `raw`."""

    def __init__(self, message: str, raw: Any = None):
        super().__init__(message)
        self.raw = raw


def _epoch(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected unix seconds (integer), got {value!r}")
    return datetime.fromtimestamp(value, tz=timezone.utc)


def parse_iso(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 timestamp, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO-8601 timestamp, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _json_object(value: Any) -> str:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {value!r}")
    return _json(value)


def _json_list(value: Any) -> str:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return _json(value)


# Each kind: the DuckDB column type and the parser that checks and converts an API value.
KINDS = {
    "id": ("varchar", lambda v: str(_integer(v)) if not isinstance(v, str) else _text(v)),
    "text": ("varchar", _text),
    "bigint": ("bigint", _integer),
    "boolean": ("boolean", _boolean),
    "epoch": ("timestamptz", _epoch),
    "iso": ("timestamptz", parse_iso),
    "object": ("json", _json_object),
    "list": ("json", _json_list),
    "json": ("json", _json),
}


@dataclass(frozen=True)
class Column:
    """One typed column: its name, kind (see KINDS), where it sits in the record, and whether it must be set."""

    name: str
    kind: str
    path: str = ""
    required: bool = False
    description: str = ""

    @property
    def sql_type(self) -> str:
        return KINDS[self.kind][0]

    def read(self, record: dict) -> Any:
        value: Any = record
        for step in (self.path or self.name).split("."):
            if isinstance(value, list):
                value = value[int(step)] if step.isdigit() and int(step) < len(value) else None
            elif isinstance(value, dict):
                value = value.get(step)
            else:
                value = None
            if value is None:
                break
        if value is None:
            if self.required:
                raise MalformedRecord(f"field '{self.path or self.name}' is required but missing")
            return None
        try:
            return KINDS[self.kind][1](value)
        except ValueError as exc:
            raise MalformedRecord(f"field '{self.path or self.name}': {exc}") from None


def to_row(columns: tuple[Column, ...], record: Any) -> tuple:
    """The typed values of `columns` for one record, in order; raises MalformedRecord."""
    if not isinstance(record, dict):
        raise MalformedRecord(f"expected a JSON object, got {type(record).__name__}")
    return tuple(column.read(record) for column in columns)
