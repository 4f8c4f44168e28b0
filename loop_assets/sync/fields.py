"""Destination field paths ("metadata.loop_tier", "custom_fields.360000100001"): build request bodies, read records.

A path segment of digits addresses an element of a Zendesk-style `[{"id": ..., "value": ...}]` list.
"""

from __future__ import annotations


def nest(payload: dict) -> dict:
    """Turn {path: value} into the nested object an API expects."""
    body: dict = {}
    for path, value in payload.items():
        *parents, leaf = path.split(".")
        node = body
        for depth, part in enumerate(parents):
            child = parents[depth + 1] if depth + 1 < len(parents) else leaf
            node = node.setdefault(part, [] if child.isdigit() else {})
        if leaf.isdigit():
            node.append({"id": int(leaf), "value": value})
        else:
            node[leaf] = value
    return body


def read_path(record: dict, path: str):
    """The value at `path` in an app's record, or None when it is not there."""
    node = record
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit():
            node = next((item.get("value") for item in node if str(item.get("id")) == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node
