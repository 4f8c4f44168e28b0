"""GX's verdict as asset check metadata: expectation type and kwargs, unexpected count, percent and sample."""

import datetime as dt
import math

import dagster as dg

from loop_assets.checks.tests import Expectation
from loop_assets.checks.validate import Outcome


def check_metadata(expectation: Expectation, kwargs: dict, outcome: Outcome) -> dict[str, dg.MetadataValue]:
    """The metadata of one check result; a relationships sample lists the values that have no parent."""
    result = outcome.result
    metadata = {
        "expectation_type": dg.MetadataValue.text(expectation.type),
        "expectation_kwargs": dg.MetadataValue.json(_plain(kwargs)),
    }
    if "unexpected_count" in result:
        sample = result.get("partial_unexpected_list") or []
        if expectation.parent:
            sample = [value for value, _no_parent in sample]  # GX's pairs are (value, its lookup: null)
        metadata["unexpected_count"] = dg.MetadataValue.int(int(result["unexpected_count"]))
        metadata["unexpected_percent"] = dg.MetadataValue.float(float(result.get("unexpected_percent") or 0.0))
        metadata["sample"] = dg.MetadataValue.json(_plain(sample))
    if "element_count" in result:
        metadata["element_count"] = dg.MetadataValue.int(int(result["element_count"]))
    if "observed_value" in result:
        observed = _plain(result["observed_value"])
        metadata["observed_value"] = (
            dg.MetadataValue.int(observed) if isinstance(observed, int) else dg.MetadataValue.text(str(observed))
        )
    if outcome.error:
        metadata["error"] = dg.MetadataValue.text(outcome.error)
    return metadata


def _plain(value):
    """JSON-ready values: numpy scalars unwrapped, timestamps as ISO text, NaN as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
