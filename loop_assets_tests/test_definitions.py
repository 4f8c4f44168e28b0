"""The code location loads as users load it: one Definitions object with the expected assets."""

import subprocess
import sys
from pathlib import Path

from loop_assets.definitions import defs

REPO = Path(__file__).resolve().parents[1]

RAW_ASSETS = [
    "raw/segment__events", "raw/stripe__charges", "raw/stripe__customers", "raw/stripe__events",
    "raw/stripe__invoices", "raw/stripe__subscriptions", "raw/zendesk__organizations", "raw/zendesk__tickets",
    "raw/zendesk__users",
]


def test_definitions_hold_every_raw_extract_with_group_kinds_and_pool():
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    assert [k for k in keys if k.startswith("raw/")] == RAW_ASSETS
    for key in graph.get_all_asset_keys():
        if key.path[0] != "raw":
            continue
        spec = graph.get(key)
        assert spec.group_name == "raw"
        assert "duckdb" in spec.kinds and key.path[1].split("__")[0] in spec.kinds
        assert spec.description
        assert spec.pools == {"warehouse"}


def test_dagster_cli_validates_the_code_location():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        capture_output=True, text=True, timeout=180, cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_has_a_group_description_kinds_and_owner_for_the_ui():
    graph = defs.resolve_asset_graph()
    groups = set()
    for key in graph.get_all_asset_keys():
        spec = graph.get(key)
        assert spec.description and spec.kinds and spec.owners == ["team:data"], key
        groups.add(spec.group_name)
    assert groups == {"raw", "staging", "intermediate", "marts", "outbound", "sync"}
