"""One factory turns every row of `STREAMS` into a raw extract asset in group `raw`."""

import time
from collections.abc import Iterator
from datetime import date

import dagster as dg
import pydantic

from ..warehouse import OWNERS, POOL, ensure_state_tables
from .event_log import LOG_STREAM, EventLog
from .landing import Counts, Page, checked_pages, ensure_table, land_pages, read_state, table_name
from .prefetch import grouped_prefetch
from .segment_lines import checked_calls
from .specs import STREAMS, StreamSpec
from .streams import (files_to_read, landed_files, segment_file_pages, stripe_event_log_pages,
                      stripe_object_pages, zendesk_export_pages)

SEGMENT_START = "2026-01-01"
segment_days = dg.DailyPartitionsDefinition(start_date=SEGMENT_START, end_offset=1)


class ExtractConfig(dg.Config):
    """Run settings of an extract."""

    full_refresh: bool = pydantic.Field(
        default=False, description="Ignore the saved cursor and re-read everything (upserts keep it duplicate-free)."
    )


def _pages(context, spec: StreamSpec, state: dict | None, log: EventLog | None) -> tuple[Iterator[Page], object]:
    """The page iterator for one stream, and the client whose call statistics it reports; a Stripe object
    stream replays `log` past its first list."""
    if spec.app == "stripe":
        client = context.resources.stripe.client()
        if spec.style == "stripe_events":
            return stripe_event_log_pages(client, spec, state), client
        return stripe_object_pages(client, spec, state, log), client
    client = context.resources.zendesk.client()
    return zendesk_export_pages(client, spec, state), client


def _schema(conn, spec: StreamSpec) -> dg.TableSchema:
    descriptions = {c.name: c.description for c in spec.columns}
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position", [spec.key]
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name, kind, description=descriptions.get(name) or None)
                                   for name, kind in rows])


def _metadata(conn, spec: StreamSpec, counts: Counts, started: float, **extra) -> dict:
    total = conn.execute(f"select count(*) from {table_name(spec)}").fetchone()[0]
    metadata = {
        "rows_fetched": counts.fetched, "rows_inserted": counts.inserted, "rows_updated": counts.updated,
        "rows_unchanged": counts.unchanged, "rows_quarantined": counts.quarantined, "pages": counts.pages,
        "dagster/row_count": total, "dagster/column_schema": _schema(conn, spec),
        "dagster/table_name": f"raw.{spec.key}", "duration_s": round(time.monotonic() - started, 3),
        **extra,
    }
    if counts.reasons:
        metadata["quarantine_reasons"] = dg.MetadataValue.json(counts.reasons)
    return metadata


def _log_quarantine(context, spec: StreamSpec, counts: Counts) -> None:
    if counts.quarantined:
        context.log.warning(
            f"{counts.quarantined} record(s) of {spec.key} quarantined in loop.quarantine: "
            + "; ".join(f"{n}x {reason}" for reason, n in sorted(counts.reasons.items())[:5])
        )


def build_api_extract(spec: StreamSpec) -> dg.AssetsDefinition:
    # Stripe object streams replay the landed event log after their first full list (event_log.py).
    deps = [dg.AssetKey(["raw", LOG_STREAM])] if spec.style == "stripe_objects" else []

    @dg.asset(
        key=["raw", spec.key], group_name="raw", kinds={spec.app, "duckdb"}, description=spec.description,
        pool=POOL, required_resource_keys={"warehouse", spec.app}, owners=OWNERS, deps=deps,
    )
    def extract(context: dg.AssetExecutionContext, config: ExtractConfig) -> dg.MaterializeResult:
        started = time.monotonic()
        counts = Counts()
        with context.resources.warehouse.get_connection() as conn:
            ensure_state_tables(conn)
            ensure_table(conn, spec)
            before = None if config.full_refresh else read_state(conn, spec.key)
            log = EventLog(conn) if spec.style == "stripe_objects" else None
            pages, client = _pages(context, spec, before, log)
            for group in grouped_prefetch(checked_pages(spec, pages)):
                land_pages(conn, spec, group, counts, stream=spec.key, run_id=context.run.run_id)
            _log_quarantine(context, spec, counts)
            replayed = {"rows_replayed": log.replayed} if log else {}
            return dg.MaterializeResult(metadata=_metadata(
                conn, spec, counts, started, api_calls=client.stats.calls, retries=client.stats.retries, **replayed,
                cursor_before=dg.MetadataValue.json(before or {}),
                cursor_after=dg.MetadataValue.json(read_state(conn, spec.key) or {}),
            ))

    return extract


def build_segment_extract(spec: StreamSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", spec.key], group_name="raw", kinds={spec.app, "duckdb"}, description=spec.description,
        pool=POOL, required_resource_keys={"warehouse", "segment"}, owners=OWNERS,
        partitions_def=segment_days, backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def extract(context: dg.AssetExecutionContext, config: ExtractConfig) -> dg.MaterializeResult:
        started = time.monotonic()
        counts = Counts()
        landing = context.resources.segment.landing()
        files = already_landed = 0
        with context.resources.warehouse.get_connection() as conn:
            ensure_state_tables(conn)
            ensure_table(conn, spec)
            for key in context.partition_keys:
                stream = f"{spec.key}/{key}"
                day = date.fromisoformat(key)
                landed = frozenset() if config.full_refresh else landed_files(read_state(conn, stream))
                paths, skipped = files_to_read(landing, day, landed)
                files += len(paths)
                already_landed += skipped
                pages = segment_file_pages(landing, day, paths, landed)
                for group in grouped_prefetch(checked_calls(spec, pages)):
                    land_pages(conn, spec, group, counts, stream=stream, run_id=context.run.run_id)
            _log_quarantine(context, spec, counts)
            return dg.MaterializeResult(metadata=_metadata(
                conn, spec, counts, started, files=files, files_already_landed=already_landed,
                days=len(context.partition_keys),
            ))

    return extract


def build_extract_assets() -> list[dg.AssetsDefinition]:
    return [build_segment_extract(s) if s.style == "segment_files" else build_api_extract(s) for s in STREAMS]
