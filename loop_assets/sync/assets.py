"""One factory turns every row of `SYNCS` into a sync asset (group `sync`) with its outcome checks."""

import dagster as dg
import pydantic

from ..warehouse import OWNERS, POOL
from .adapters import adapter_for
from .plan import BlastRadiusExceeded
from .run import Report, preview_table, run_sync
from .specs import SYNCS, SyncSpec

CHECKS = {
    "completion": "Every row that had to be sent was confirmed by the app.",
    "rejected_rows": "The app refused no row in this run (refusals are in loop.sync_failures and retried).",
    "dead_letters": "No payload is set aside in loop.sync_dead_letters after max_attempts refusals.",
    "conflicts": "No agent changed a value the loop pushed (overrides are in loop.sync_conflicts).",
}


class SyncConfig(dg.Config):
    """Run settings of a sync."""

    dry_run: bool = pydantic.Field(default=False, description="Compute and show the change set; send nothing.")
    allow_large_change: bool = pydantic.Field(
        default=False, description="Send even when more than the spec's max_change_share of delivered rows change.")


def build_sync_asset(spec: SyncSpec) -> dg.AssetsDefinition:
    """The asset that pushes `spec.model` to its app, with the completion/rejection/dead-letter/conflict checks."""
    deps = [dg.AssetKey(spec.model)] + ([dg.AssetKey(["raw", spec.raw])] if spec.raw else [])

    @dg.asset(
        name=spec.name, group_name="sync", kinds={spec.app}, deps=deps, pool=POOL, owners=OWNERS,
        description=f"Push {spec.model} to {spec.app} ({spec.destination}, mode {spec.mode}).",
        required_resource_keys={"warehouse", spec.app},
        check_specs=[dg.AssetCheckSpec(name, asset=spec.name, description=text) for name, text in CHECKS.items()],
    )
    def sync(context: dg.AssetExecutionContext, config: SyncConfig):
        warehouse = context.resources.warehouse
        try:
            report = run_sync(spec, warehouse.get_connection, lambda: adapter_for(spec, context.resources),
                              context.run.run_id, dry_run=config.dry_run,
                              allow_large_change=config.allow_large_change)
        except BlastRadiusExceeded as exceeded:
            raise dg.Failure(description=str(exceeded)) from None
        if report.delivery.errors:
            sample = "; ".join(f"{key}: {error}" for key, error in list(report.delivery.errors.items())[:5])
            context.log.warning(f"{spec.name}: {report.delivery.rejected} row(s) refused by {spec.app}: {sample}")
        yield dg.MaterializeResult(metadata=_metadata(spec, report, config.dry_run))
        yield from _check_results(spec, report, config.dry_run)

    return sync


def _metadata(spec: SyncSpec, report: Report, dry_run: bool) -> dict:
    plan, delivery = report.plan, report.delivery
    metadata = {
        "dry_run": dry_run,
        "rows_added": report.counts["added"], "rows_changed": report.counts["changed"],
        "rows_removed": report.counts["removed"], "rows_unchanged": report.counts["unchanged"],
        "rows_to_send": len(plan.to_send), "rows_sent_confirmed": delivery.confirmed,
        "rows_failed": delivery.rejected + len(plan.missing), "rows_conflicted": len(plan.kept_human),
        "rows_adopted": len(plan.adopted), "rows_dead_lettered": len(plan.dead_lettered),
        "readback_confirmed": plan.readback_confirmed, "readback_mismatched": plan.readback_mismatched,
        "requests_sent": delivery.requests, "api_calls": report.api_calls, "retries": report.retries,
        "duration_s": report.duration_s, "blast_radius": report.blast_radius,
        "preview": dg.MetadataValue.md(preview_table(plan)),
    }
    if report.dead_letters:
        metadata["dead_letters"] = dg.MetadataValue.md(
            "| key | attempts | error |\n| --- | --- | --- |\n"
            + "\n".join(f"| {key} | {attempts} | {error} |" for key, attempts, error in report.dead_letters))
    return metadata


def _check_results(spec: SyncSpec, report: Report, dry_run: bool):
    plan, delivery = report.plan, report.delivery
    to_send = len(plan.to_send)
    ratio = 1.0 if dry_run or not to_send else delivery.confirmed / to_send
    refused = delivery.rejected + len(plan.missing)
    warn, error = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR
    yield dg.AssetCheckResult(check_name="completion", passed=ratio == 1.0, severity=error,
                              metadata={"completion_ratio": ratio, "rows_to_send": to_send})
    yield dg.AssetCheckResult(check_name="rejected_rows", passed=refused == 0, severity=warn,
                              metadata={"rows_failed": refused})
    yield dg.AssetCheckResult(check_name="dead_letters", passed=not report.dead_letters, severity=error,
                              metadata={"dead_letters": len(report.dead_letters)})
    yield dg.AssetCheckResult(check_name="conflicts", passed=not plan.conflicts, severity=warn,
                              metadata={"conflicts": len(plan.conflicts), "policy": spec.on_conflict,
                                        "fields": sorted({c.field for c in plan.conflicts})})


def build_sync_assets() -> list[dg.AssetsDefinition]:
    """One sync asset per row of `SYNCS`."""
    return [build_sync_asset(spec) for spec in SYNCS]
