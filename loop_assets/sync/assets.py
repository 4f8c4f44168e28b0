"""One factory turns every row of `SYNCS` into a sync asset (group `sync`) with its outcome checks."""

import inspect

import dagster as dg
import pydantic

from ..warehouse import OWNERS, POOL
from .adapters import adapter_for
from .deliver import Delivery
from .journal import SyncBusy, journal_path
from .plan import BlastRadiusExceeded
from .run import Planned, Report, RunIds, deliver_planned, plan_delivery, record_delivery
from .specs import SYNCS, SyncSpec

ROOT_RUN_ID_TAG = "dagster/root_run_id"

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
    """The asset that pushes `spec.model` to its app, with the completion/rejection/dead-letter/conflict checks.

    Three steps: plan and record in the `warehouse` pool, and between them the delivery, which holds
    neither the file nor the pool however long the app's pace makes it (journal.py).
    """
    ins = {"model": dg.AssetIn(spec.model, dagster_type=dg.Nothing)}
    if spec.raw:
        ins["raw"] = dg.AssetIn(["raw", spec.raw], dagster_type=dg.Nothing)

    @dg.op(name=f"{spec.name}__plan", pool=POOL, ins={name: dg.In(dg.Nothing) for name in ins},
           required_resource_keys={"warehouse"})
    def plan(context: dg.OpExecutionContext, config: SyncConfig) -> Planned:
        warehouse = context.resources.warehouse
        run = RunIds(context.run.run_id, context.run.root_run_id or context.run.run_id)
        try:
            return plan_delivery(spec, warehouse.get_connection, journal_path(warehouse.database, spec), run,
                                 lambda root: _in_progress(context.instance, root), dry_run=config.dry_run,
                                 allow_large_change=config.allow_large_change)
        except (BlastRadiusExceeded, SyncBusy) as refused:
            raise dg.Failure(description=str(refused)) from None

    @dg.op(name=f"{spec.name}__deliver", required_resource_keys={spec.app})
    def deliver(context: dg.OpExecutionContext, planned: Planned) -> Delivery:
        try:
            delivery = deliver_planned(spec, planned, lambda: adapter_for(spec, context.resources))
        except SyncBusy as taken_over:
            raise dg.Failure(description=str(taken_over)) from None
        context.log.info(f"{spec.name}: {delivery.requests} request(s) to {spec.app}, {delivery.confirmed} row(s) "
                         f"confirmed, {delivery.rejected} refused")
        return delivery

    @dg.op(name=f"{spec.name}__record", pool=POOL, required_resource_keys={"warehouse"},
           out={"result": dg.Out(dg.Nothing), **{name: dg.Out(dg.Nothing, is_required=False) for name in CHECKS}})
    def record(context: dg.OpExecutionContext, planned: Planned, delivery: Delivery):
        try:
            report = record_delivery(spec, context.resources.warehouse.get_connection, planned, delivery)
        except SyncBusy as taken_over:
            raise dg.Failure(description=str(taken_over)) from None
        if report.totals.rejected:
            sample = "; ".join(f"{key}: {error}" for key, error in report.totals.errors.items())
            context.log.warning(f"{spec.name}: {report.totals.rejected} row(s) refused: {sample}")
        yield dg.Output(None, "result", metadata=_metadata(report))
        yield from _check_results(spec, report)

    def compose(**upstream):
        planned = plan(**upstream)
        return record(planned, deliver(planned))

    # graph_asset names a graph's inputs after its function's parameters; a sync has one or two.
    compose.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in ins])
    return dg.graph_asset(
        compose, name=spec.name, group_name="sync", kinds={spec.app}, owners=OWNERS, ins=ins,
        description=f"Push {spec.model} to {spec.app} ({spec.destination}, mode {spec.mode}).",
        check_specs=[dg.AssetCheckSpec(name, asset=spec.name, description=text) for name, text in CHECKS.items()],
        # The run config stays `ops: {<sync>: {config: {dry_run: ...}}}`, as for a single-step asset.
        config=dg.ConfigMapping(config_fn=lambda config: {plan.name: {"config": config}},
                                config_schema=SyncConfig.to_config_schema()),
    )


def _in_progress(instance: dg.DagsterInstance, root_run_id: str) -> bool:
    """Whether the run `root_run_id` or one of its retries is queued or running."""
    statuses = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    return bool(instance.get_run_records(dg.RunsFilter(run_ids=[root_run_id], statuses=statuses), limit=1)
                or instance.get_run_records(dg.RunsFilter(tags={ROOT_RUN_ID_TAG: root_run_id}, statuses=statuses),
                                            limit=1))


def _metadata(report: Report) -> dict:
    planned, totals = report.planned, report.totals
    metadata = {
        "dry_run": planned.dry_run,
        "rows_added": planned.counts["added"], "rows_changed": planned.counts["changed"],
        "rows_removed": planned.counts["removed"], "rows_unchanged": planned.counts["unchanged"],
        "rows_to_send": planned.to_send, "rows_sent_confirmed": totals.confirmed,
        # A dry run records nothing: its rows_failed are the rows it would refuse before sending.
        "rows_failed": planned.missing if planned.dry_run else totals.rejected,
        "rows_conflicted": planned.kept_human,
        "rows_adopted": planned.adopted, "rows_dead_lettered": planned.dead_lettered,
        "readback_confirmed": planned.readback_confirmed, "readback_mismatched": planned.readback_mismatched,
        "requests_sent": totals.requests, "api_calls": report.api_calls, "retries": report.retries,
        "duration_s": report.duration_s, "blast_radius": planned.blast_radius,
        "preview": dg.MetadataValue.md(planned.preview),
    }
    if report.dead_letters:
        metadata["dead_letters"] = dg.MetadataValue.md(
            "| key | attempts | error |\n| --- | --- | --- |\n"
            + "\n".join(f"| {key} | {attempts} | {error} |" for key, attempts, error in report.dead_letters))
    return metadata


def _check_results(spec: SyncSpec, report: Report):
    planned, totals = report.planned, report.totals
    ratio = 1.0 if planned.dry_run or not planned.to_send else totals.confirmed / planned.to_send
    refused = planned.missing if planned.dry_run else totals.rejected
    warn, error = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR
    yield dg.AssetCheckResult(check_name="completion", passed=ratio == 1.0, severity=error,
                              metadata={"completion_ratio": ratio, "rows_to_send": planned.to_send})
    yield dg.AssetCheckResult(check_name="rejected_rows", passed=refused == 0, severity=warn,
                              metadata={"rows_failed": refused})
    yield dg.AssetCheckResult(check_name="dead_letters", passed=not report.dead_letters, severity=error,
                              metadata={"dead_letters": len(report.dead_letters)})
    yield dg.AssetCheckResult(check_name="conflicts", passed=not planned.conflicts, severity=warn,
                              metadata={"conflicts": planned.conflicts, "policy": spec.on_conflict,
                                        "fields": planned.conflict_fields})


def build_sync_assets() -> list[dg.AssetsDefinition]:
    """One sync asset per row of `SYNCS`."""
    return [build_sync_asset(spec) for spec in SYNCS]
