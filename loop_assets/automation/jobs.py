"""Jobs the sensors and schedules launch: the extracts with step retries, and the nightly full refresh."""

import dagster as dg

from ..extract.specs import STREAMS

# Transient app trouble outlasting the clients' own retries (an outage of minutes) gets a later try.
EXTRACT_RETRY = dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
API_EXTRACTS = dg.AssetSelection.assets(*[["raw", s.key] for s in STREAMS if s.app != "segment"])
SEGMENT_EVENTS = dg.AssetSelection.assets(*[["raw", s.key] for s in STREAMS if s.app == "segment"])

api_extract_job = dg.define_asset_job(
    "api_extracts", selection=API_EXTRACTS, op_retry_policy=EXTRACT_RETRY,
    description="Incremental Stripe and Zendesk extracts (the app_changes sensor picks which).",
)
segment_events_job = dg.define_asset_job(
    "segment_events", selection=SEGMENT_EVENTS, op_retry_policy=EXTRACT_RETRY,
    description="Segment events of the received days that got new landing files.",
)
full_refresh_job = dg.define_asset_job(
    "nightly_full_refresh", selection=API_EXTRACTS, op_retry_policy=EXTRACT_RETRY,
    config={"ops": {f"raw__{s.key}": {"config": {"full_refresh": True}} for s in STREAMS if s.app != "segment"}},
    description="Re-reads Stripe and Zendesk from scratch (upserts keep it duplicate-free); models and syncs follow.",
)
