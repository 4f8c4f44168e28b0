"""Segment lines typed in bulk by DuckDB land exactly as the Python path would land or refuse them."""

import json

import pandas as pd
import pytest

from loop_assets.extract.records import MalformedRecord, to_row
from loop_assets.extract.segment_lines import LinePage, checked_calls, parse_call, received_ms
from loop_assets.extract.specs import STREAMS

SPEC = next(spec for spec in STREAMS if spec.app == "segment")
CALL = {"messageId": "m1", "type": "track", "event": "Signed In", "userId": "u1", "timestamp": "2026-03-01T10:00:00.250Z",
        "receivedAt": "2026-03-01T10:00:01.125Z", "properties": {"b": 1, "a": [1, 2]}, "context": {"ip": "1.2.3.4"}}
# Each line once as the only line of a page (so the fast path and the Python path both see it alone).
LINES = {
    "canonical": CALL,
    "utc offset": {**CALL, "messageId": "m2", "timestamp": "2026-03-01T12:00:00+02:00"},
    "naive timestamp (Python reads it as UTC)": {**CALL, "messageId": "m3", "timestamp": "2026-03-01T10:00:00"},
    "anonymous only": {**CALL, "messageId": "m4", "userId": None, "anonymousId": "anon-1"},
    "null traits": {**CALL, "messageId": "m5", "traits": None},
    "numeric userId": {**CALL, "messageId": "m6", "userId": 42},
    "no messageId": {k: v for k, v in CALL.items() if k != "messageId"},
    "unknown type": {**CALL, "messageId": "m7", "type": "purchase"},
    "no identity": {**CALL, "messageId": "m8", "userId": ""},
    "properties not an object": {**CALL, "messageId": "m9", "properties": [1]},
    "impossible date": {**CALL, "messageId": "m10", "timestamp": "2026-02-30T10:00:00Z"},
    "not JSON": "{\"messageId\": \"m11\", \"type\": ",
    "a list": [CALL],
}


def python_path(text: str):
    """What records.py makes of the line: (typed row, None) or (None, reason)."""
    try:
        call = parse_call(text)
        return (*to_row(SPEC.columns, call), -received_ms(call), text), None
    except MalformedRecord as refused:
        return None, str(refused)


@pytest.mark.parametrize("case", list(LINES), ids=list(LINES))
def test_duckdb_and_python_paths_land_or_refuse_a_line_alike(case):
    value = LINES[case]
    text = value if isinstance(value, str) else json.dumps(value)

    [checked] = checked_calls(SPEC, iter([LinePage("day/1", [text], ["f.gz:1"], {"line": 1})]))
    row, reason = python_path(text)

    if reason is not None:
        assert len(checked.frame) == 0 and [r[3] for r in checked.rejects] == [reason]
        return
    assert checked.rejects == []
    [landed] = checked.frame.itertuples(index=False)
    assert [_plain(v) for v in landed] == [_plain(v) for v in row]


def _plain(value):
    """JSON text compared as data (the paths may order keys differently); NaN/NaT/None as None."""
    if value is None or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


def test_canonical_lines_are_typed_in_bulk_keeping_the_senders_key_order():
    lines = [json.dumps({**CALL, "messageId": f"m{i}"}) for i in range(500)]

    [checked] = checked_calls(SPEC, iter([LinePage("day/1", lines, [f"f.gz:{i}" for i in range(500)], {})]))

    assert len(checked.frame) == 500 and not checked.rejects
    # The Python path sorts an object's keys; DuckDB keeps them as sent: {"b": 1, "a": [1, 2]}.
    assert set(checked.frame["properties"]) == {'{"b":1,"a":[1,2]}'}
