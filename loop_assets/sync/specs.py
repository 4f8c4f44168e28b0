"""The reverse syncs, one row each: which outbound model is pushed to which app object, and how carefully.

Adding a sync is one new row here (plus an adapter in `adapters/` for a new kind of destination).
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("update", "upsert", "mirror")
CONFLICT_POLICIES = ("keep_human", "overwrite")


@dataclass(frozen=True)
class SyncSpec:
    app: str                        # stripe | zendesk | segment: the resource and the asset's kind
    destination: str                # the adapter: zendesk_tickets | zendesk_organizations | segment_traits | stripe_customers
    name: str                       # the asset and the `sync` value in the loop.sync_* tables
    model: str                      # outbound model in schema main: one row per destination object
    primary_key: str                # the model column holding the destination object's id
    fields: tuple[tuple[str, str], ...]  # (model column, destination field path) pushed, all required
    raw: str | None = None          # raw table of the destination (override detection and read-back)
    explained_by: tuple[str, str] | None = None  # (mart, key column) whose row says why, for `why`
    mode: str = "update"            # update: changed rows; upsert: may create; mirror: also clears removed rows
    batch_size: int = 100           # records per request, at most the API's maximum
    requests_per_second: float = 10.0  # write pacing, under the app's rate limit
    in_flight: int = 1              # batches with the app at once: lets slow calls still fill the pace
    max_change_share: float = 0.3   # blast radius: abort when more of the delivered rows would change
    max_attempts: int = 3           # rejections of one payload before it is dead-lettered
    on_conflict: str = "keep_human"  # a value an agent changed in the app: keep_human | overwrite

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"sync {self.name}: mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.on_conflict not in CONFLICT_POLICIES:
            raise ValueError(f"sync {self.name}: on_conflict {self.on_conflict!r} is not one of "
                             f"{', '.join(CONFLICT_POLICIES)}")


# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_fields/ : the sandbox's `loop_tier`.
LOOP_TIER_TICKET_FIELD = 360000100001

SYNCS: tuple[SyncSpec, ...] = (
    SyncSpec(
        "zendesk", "zendesk_tickets", "zendesk__tickets_sync", "outbound_zendesk__tickets", "ticket_id",
        (("priority", "priority"), ("tags", "tags"), ("loop_tier", f"custom_fields.{LOOP_TIER_TICKET_FIELD}")),
        raw="zendesk__tickets", explained_by=("ticket_priority", "ticket_id"),
        # Ticket updates: 100/min per account. A job waits in Zendesk's queue (30 jobs per account) for
        # seconds: 4 under way keep the pace.
        batch_size=100, requests_per_second=1.0, in_flight=4,
    ),
    SyncSpec(
        "zendesk", "zendesk_organizations", "zendesk__organizations_sync", "outbound_zendesk__organizations",
        "organization_id",
        (("loop_tier", "organization_fields.loop_tier"), ("loop_score", "organization_fields.loop_score"),
         ("loop_spend_90d", "organization_fields.loop_spend_90d"),
         ("loop_activity", "organization_fields.loop_activity")),
        raw="zendesk__organizations", explained_by=("outbound_zendesk__organizations", "organization_id"),
        batch_size=100, requests_per_second=1.0, in_flight=4,
    ),
    SyncSpec(
        "segment", "segment_traits", "segment__traits_sync", "outbound_segment__traits", "user_id",
        (("loop_tier", "traits.loop_tier"), ("loop_score", "traits.loop_score"),
         ("account_id", "traits.loop_account_id")),
        explained_by=("outbound_segment__traits", "user_id"),
        # Two batches under way: the app reads one while the next is encoded and the last is recorded.
        mode="upsert", batch_size=2500, requests_per_second=50.0, in_flight=2,
    ),
    SyncSpec(
        "stripe", "stripe_customers", "stripe__customers_sync", "outbound_stripe__customers", "customer_id",
        (("loop_tier", "metadata.loop_tier"), ("loop_score", "metadata.loop_score")),
        raw="stripe__customers", explained_by=("account_priority", "account_id"),
        # Test mode allows 25 requests/s; at ~0.3 s a call, 20/s needs about 6 calls under way at once.
        mode="mirror", batch_size=1, requests_per_second=20.0, in_flight=8,
    ),
)
