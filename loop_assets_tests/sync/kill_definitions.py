"""A code location with one test sync, for the test that SIGKILLs a real `dagster asset materialize` run."""

import dagster as dg

from loop_assets.resources import app_resources
from loop_assets.sync.assets import build_sync_asset
from loop_assets.warehouse import warehouse_resource
from loop_assets_tests.sync.test_zendesk_sync import ORGS

defs = dg.Definitions(assets=[build_sync_asset(ORGS)], resources={"warehouse": warehouse_resource(), **app_resources()})
