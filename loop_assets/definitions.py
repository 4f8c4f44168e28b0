"""The one Definitions object of the `loop` code location: assembles the layers, defines nothing itself."""

import dagster as dg

from .extract.assets import build_extract_assets
from .resources import app_resources
from .warehouse import warehouse_resource

defs = dg.Definitions(
    assets=build_extract_assets(),
    resources={"warehouse": warehouse_resource(), **app_resources()},
)
