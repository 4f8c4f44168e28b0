"""Turn the raw measurements into ratios against the targets: one printed table and one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

RSS_TARGET_MIB = 2 * 1024


def summarize(scale: str, measured: dict) -> list[dict]:
    """Rows of (what, loop, peer or limit, ratio, target, met); a row without its peer has no ratio."""
    full, settling, incremental = measured["full_loop"], measured["settling_loop"], measured["incremental_loop"]
    phases = full["phases_s"]
    loop_rate = full["api_records"] / phases["extract_api"]
    models_s = phases["models"]
    duckdb_s = sum(full["model_duckdb_s"].values())
    rows = [
        _row("extract records/s vs dlt rest_api", loop_rate, _get(measured, "dlt", "records_per_s"),
             ">= 2.0", lambda r: r >= 2.0),
        _row("extract records/s vs page-fetch limit", loop_rate, measured["fetch_limit"]["records_per_s"]),
        _row("model build s vs dbt run", models_s, _get(measured, "dbt", "seconds"), "<= 0.5", lambda r: r <= 0.5),
        _row("model build s vs compiled SQL alone", models_s, measured["compiled_sql"]["seconds"]),
        _row("model build: DuckDB s / loader+Dagster s", duckdb_s, models_s - duckdb_s),
        _row("GX checks s as a share of model build", phases["checks"], models_s),
        *[_sync_row(s, run) for run, loop_pass in (("full", full), ("settling", settling),
                                                   ("incremental", incremental)) for s in loop_pass["syncs"]],
        _row(f"sync diff s, {measured['sync_diff']['rows']:,} rows 1% changed", measured["sync_diff"]["seconds"], None),
        _row("full loop wall s", full["total_s"], None),
        _row("full loop peak RSS MiB vs 2 GiB", full["peak_rss_mib"], RSS_TARGET_MIB, "<= 1.0 (large)",
             (lambda r: r <= 1.0) if scale == "large" else None),
        _row("settling loop s vs full loop (lands the loop's writes)", settling["total_s"], full["total_s"]),
        _row("incremental loop s vs full loop", incremental["total_s"], full["total_s"], "<= 0.10",
             lambda r: r <= 0.10),
        _row("incremental loop peak RSS MiB vs 2 GiB", incremental["peak_rss_mib"], RSS_TARGET_MIB,
             "<= 1.0 (large)", (lambda r: r <= 1.0) if scale == "large" else None),
    ]
    return rows


def _sync_row(sync: dict, run: str) -> dict:
    row = _row(f"{run} sync {sync['sync'].removesuffix('_sync')}: requests vs min", sync["requests_sent"],
               sync["minimum_requests"], "= 1.0")
    row["met"] = sync["requests_sent"] == sync["minimum_requests"]
    return row


def _get(measured: dict, peer: str, key: str) -> float | None:
    return measured[peer][key] if measured.get(peer) else None


def _row(what: str, loop: float, other: float | None, target: str = "", test=None) -> dict:
    ratio = loop / other if other else None
    return {"what": what, "loop": loop, "other": other, "ratio": ratio, "target": target,
            "met": None if ratio is None or test is None else bool(test(ratio))}


def format_table(rows: list[dict]) -> str:
    """A fixed-width table: loop's figure, the peer's or the limit's, their ratio, the target and whether met."""
    header = f"{'measure':<58} {'loop':>12} {'peer/limit':>12} {'ratio':>8}  {'target':<15} met"
    lines = [header, "-" * len(header)]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append(f"{row['what']:<58} {_number(row['loop']):>12} {_number(row['other']):>12} "
                     f"{_number(row['ratio']):>8}  {row['target']:<15} {met}")
    return "\n".join(lines)


def format_slowest_steps(loop_pass: dict, title: str, count: int = 12) -> str:
    """The pass's slowest Dagster steps with their phase and share of the pass; the rest is the other
    steps and the runs' own start and finish."""
    total = loop_pass["total_s"]
    steps = sorted(((seconds, phase, step) for phase, by_step in loop_pass["steps_s"].items()
                    for step, seconds in by_step.items()), reverse=True)[:count]
    lines = [f"{title}: {total:,.1f} s", f"{'step':<52} {'phase':<16} {'s':>8} {'share':>6}"]
    lines += [f"{step:<52} {phase:<16} {seconds:>8.1f} {seconds / total:>6.1%}" for seconds, phase, step in steps]
    rest = total - sum(seconds for seconds, _, _ in steps)
    lines.append(f"{'everything else (other steps, starting the runs)':<69} {rest:>8.1f} {rest / total:>6.1%}")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def write_results(path: Path, scale: str, measured: dict, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scale": scale, "summary": rows, "measured": measured}, indent=2, default=str))
