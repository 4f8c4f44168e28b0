"""The one Definitions object of the `loop` code location: assembles the layers, defines nothing itself."""

from pathlib import Path

import dagster as dg

from .automation.app_changes import app_changes_sensor
from .automation.conditions import automation_sensor, with_automation, with_its_asset
from .automation.jobs import api_extract_job, full_refresh_job, segment_events_job
from .automation.schedules import nightly_full_refresh
from .automation.segment_files import segment_files_sensor
from .checks.assets import build_model_checks
from .extract.assets import build_extract_assets
from .resources import app_resources
from .sync.assets import build_sync_assets
from .transform.assets import build_model_assets
from .warehouse import warehouse_resource

MODELS = Path(__file__).parent / "models"

defs = dg.Definitions(
    assets=with_automation([*build_extract_assets(), *build_model_assets(MODELS), *build_sync_assets()]),
    asset_checks=build_model_checks(MODELS, automation=with_its_asset),
    jobs=[api_extract_job, segment_events_job, full_refresh_job],
    sensors=[app_changes_sensor, segment_files_sensor, automation_sensor],
    schedules=[nightly_full_refresh],
    # Warehouse steps run one at a time anyway (pool limit 1): one process per run skips a Python start per step.
    executor=dg.in_process_executor,
    resources={"warehouse": warehouse_resource(), **app_resources()},
)
