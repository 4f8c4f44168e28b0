"""Sync test helpers: a sandbox with fast Zendesk jobs, model tables written straight into the warehouse."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from loop_assets.extract.assets import build_extract_assets
from loop_assets.extract.specs import STREAMS
from loop_assets.sync.assets import build_sync_asset
from loop_assets.sync.specs import SyncSpec
from loop_assets_tests.conftest import Sandbox

FAST_JOBS = {"job_queued_seconds": 0.05, "job_working_seconds": 0.05}
EXTRACTS = {spec.key: asset for spec, asset in zip(STREAMS, build_extract_assets())}


@pytest.fixture
def fast_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.admin("POST", "config", FAST_JOBS)
    return sandbox


def write_model(warehouse, name: str, rows: list[dict]) -> None:
    """Replace main.<name> with `rows`, as a model build would."""
    frame = pd.DataFrame(rows)
    with warehouse.get_connection() as conn:
        conn.register("rows_frame", frame)
        conn.execute(f'create or replace table main."{name}" as select * from rows_frame')


def sync(spec: SyncSpec, sandbox: Sandbox, warehouse, *, raise_on_error=True, **config) -> dg.ExecuteInProcessResult:
    asset = build_sync_asset(spec)
    return dg.materialize([asset], resources={"warehouse": warehouse, **sandbox.resources()},
                          run_config={"ops": {spec.name: {"config": config}}}, raise_on_error=raise_on_error)


def extract(sandbox: Sandbox, warehouse, key: str) -> None:
    dg.materialize([EXTRACTS[key]], resources={"warehouse": warehouse, **sandbox.resources()})


def meta(result, spec: SyncSpec) -> dict:
    [event] = result.asset_materializations_for_node(spec.name)
    return {k: v.value for k, v in event.metadata.items()}


def checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
