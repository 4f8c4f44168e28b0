"""One pass of the whole loop (extract -> models -> checks -> syncs) in its own process, timed per phase.

Run as `python -m loop_assets_tests.benchmarks.loop_run '<json arguments>'`; prints one JSON object. A
process of its own so that its peak RSS is the loop's alone.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

MODELS = Path(__file__).parents[2] / "loop_assets" / "models"
# The sandbox's limits are raised for the benchmark; the specs' pacing is for the real apps' limits.
SANDBOX_REQUESTS_PER_SECOND = 1000.0


def run_loop(url: str, state_dir: Path, warehouse: Path, days: list[str], raw_copy: Path | None = None) -> dict:
    """Materialize every layer in order; returns seconds per phase, records, per-model and per-sync figures."""
    import dagster as dg

    from loop_assets.checks.assets import build_model_checks
    from loop_assets.extract.assets import build_extract_assets
    from loop_assets.sync.assets import build_sync_asset
    from loop_assets.sync.specs import SYNCS
    from loop_assets.transform.assets import build_model_assets
    from loop_assets.warehouse import warehouse_resource
    from loop_assets_tests.conftest import Sandbox

    resources = {"warehouse": warehouse_resource(str(warehouse)), **Sandbox(url, state_dir, None).resources()}
    extracts = build_extract_assets()
    segment = [a for a in extracts if a.partitions_def is not None]
    api = [a for a in extracts if a.partitions_def is None]
    models = build_model_assets(MODELS)
    checks = build_model_checks(MODELS)
    specs = [replace(spec, requests_per_second=SANDBOX_REQUESTS_PER_SECOND) for spec in SYNCS]
    syncs = [build_sync_asset(spec) for spec in specs]
    everything = [*extracts, *models, *syncs]
    phases: dict[str, float] = {}
    steps: dict[str, dict[str, float]] = {}  # seconds per Dagster step, by phase: where each phase's time goes
    peaks = {"start": _peak_rss_mib()}  # MiB: each phase's own peak, and the imports' before them

    def timed(name: str, assets, **kwargs):
        _reset_peak_rss()
        started = time.perf_counter()
        result = dg.materialize(assets, resources=resources, **kwargs)
        phases[name] = time.perf_counter() - started
        steps[name] = _step_seconds(result)
        peaks[name] = _peak_rss_mib()
        return result

    api_result = timed("extract_api", api)
    segment_result = None
    if days:
        segment_result = timed("extract_segment", segment, tags={
            "dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]})
    if raw_copy is not None:
        shutil.copyfile(warehouse, raw_copy)
    model_result = timed("models", everything, selection=dg.AssetSelection.assets(*models))
    check_result = timed("checks", [*everything, *checks], selection=dg.AssetSelection.checks(*checks))
    # Measured, not guarded: a small scale's incremental pass can exceed max_change_share; rows_to_send shows it.
    sync_result = timed("syncs", everything, selection=dg.AssetSelection.assets(*syncs), run_config={
        "ops": {spec.name: {"config": {"allow_large_change": True}} for spec in specs}})
    return {
        "phases_s": phases,
        "steps_s": steps,
        "total_s": sum(phases.values()),
        "api_records": _sum_metadata(api_result, "rows_fetched"),
        "api_calls": _sum_metadata(api_result, "api_calls"),
        # A single-run backfill reports one materialization per day, each carrying the run's totals.
        "segment_records": _max_metadata(segment_result, "rows_fetched") if segment_result else 0,
        "model_duckdb_s": _metadata_by_node(model_result, "duration_seconds"),
        "checks_passed": sum(e.passed for e in check_result.get_asset_check_evaluations()),
        "checks_failed": sum(not e.passed for e in check_result.get_asset_check_evaluations()),
        "syncs": [_sync_figures(spec, sync_result) for spec in specs],
        "peak_rss_mib": max(peaks.values()),
        "peak_rss_mib_by_phase": peaks,
    }


def _peak_rss_mib() -> float:
    """This process's resident high-water mark (Linux's VmHWM). Not getrusage's ru_maxrss: a spawned
    process starts with its parent's peak there, and the suite's own process peaks past 2 GiB at `large`."""
    [line] = [line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def _reset_peak_rss() -> None:
    """Start VmHWM again from the current RSS (Linux 4.0+), so the next reading is one phase's peak."""
    Path("/proc/self/clear_refs").write_text("5")


def _step_seconds(result) -> dict[str, float]:
    """Each step's own duration as Dagster reports it, by op name (a sync's steps are `<sync>.<sync>__plan`...);
    the phase's remainder is the run's start and finish."""
    return {event.step_key.rsplit(".", 1)[-1]: round(event.event_specific_data.duration_ms / 1000, 3)
            for event in result.all_events if event.is_step_success}


def _materializations(result):
    return [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]


def _sum_metadata(result, key: str) -> int:
    return sum(m.metadata[key].value for m in _materializations(result) if key in m.metadata)


def _max_metadata(result, key: str) -> int:
    return max((m.metadata[key].value for m in _materializations(result) if key in m.metadata), default=0)


def _metadata_by_node(result, key: str) -> dict[str, float]:
    return {m.asset_key.to_user_string(): m.metadata[key].value for m in _materializations(result) if key in m.metadata}


def _sync_figures(spec, result) -> dict:
    [event] = result.asset_materializations_for_node(spec.name)
    meta = {k: v.value for k, v in event.metadata.items()}
    return {"sync": spec.name, "batch_size": spec.batch_size, "rows_to_send": meta["rows_to_send"],
            "rows_unchanged": meta["rows_unchanged"], "requests_sent": meta["requests_sent"],
            "api_calls": meta["api_calls"],
            "minimum_requests": math.ceil(meta["rows_to_send"] / spec.batch_size),
            "duration_s": meta["duration_s"]}


def main() -> None:
    arguments = json.loads(sys.argv[1])
    figures = run_loop(arguments["url"], Path(arguments["state_dir"]), Path(arguments["warehouse"]),
                       arguments["days"], Path(arguments["raw_copy"]) if arguments.get("raw_copy") else None)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
