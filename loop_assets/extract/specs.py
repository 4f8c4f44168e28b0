"""The raw streams, one row each: which API object lands in which `raw` table with which typed columns.

Adding a stream is one new row here. `style` picks how its pages are walked (see `streams.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Column as C


@dataclass(frozen=True)
class StreamSpec:
    app: str                      # stripe | zendesk | segment
    name: str                     # the object; table raw.<app>__<name>, asset raw/<app>__<name>
    description: str
    style: str                    # stripe_objects | stripe_events | zendesk_export | segment_files
    columns: tuple[C, ...]        # the first column is the primary key
    resource: str = ""            # the API's name for the list or export
    list_params: tuple[tuple[str, str], ...] = ()
    event_types: tuple[str, ...] = ()  # Stripe events whose data.object updates this stream
    version: str = ""             # column whose value orders snapshots of one record

    @property
    def key(self) -> str:
        return f"{self.app}__{self.name}"

    @property
    def primary_key(self) -> str:
        return self.columns[0].name


STRIPE_CREATED = C("created", "epoch", required=True, description="When the object was created (UTC).")
STRIPE_METADATA = C("metadata", "object", description="Key-value metadata, including what the loop writes.")
ZENDESK_TIMES = (
    C("created_at", "iso", required=True, description="When the record was created (UTC)."),
    C("updated_at", "iso", required=True, description="Last change (UTC); orders the incremental export."),
)

STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        "stripe", "customers", "Stripe customers: one per paying company account.", "stripe_objects",
        (C("id", "text", required=True), STRIPE_CREATED, C("email", "text"), C("name", "text"),
         C("description", "text"), C("currency", "text"), C("delinquent", "boolean"), STRIPE_METADATA),
        resource="customers",
        event_types=("customer.created", "customer.updated", "customer.deleted"),
    ),
    StreamSpec(
        "stripe", "charges", "Stripe charges: every payment attempt, amounts in the minor unit.", "stripe_objects",
        (C("id", "text", required=True), STRIPE_CREATED, C("customer", "text"),
         C("amount", "bigint", required=True), C("amount_captured", "bigint"), C("amount_refunded", "bigint"),
         C("currency", "text", required=True), C("status", "text", required=True), C("paid", "boolean"),
         C("refunded", "boolean"), C("failure_code", "text"), C("description", "text")),
        resource="charges",
        event_types=("charge.succeeded", "charge.failed", "charge.pending", "charge.refunded",
                     "charge.captured", "charge.updated"),
    ),
    StreamSpec(
        "stripe", "subscriptions", "Stripe subscriptions of every status, canceled included.", "stripe_objects",
        (C("id", "text", required=True), STRIPE_CREATED, C("customer", "text", required=True),
         C("status", "text", required=True), C("cancel_at_period_end", "boolean"),
         C("canceled_at", "epoch"), C("ended_at", "epoch"), C("start_date", "epoch"),
         C("current_period_start", "epoch", "items.data.0.current_period_start"),
         C("current_period_end", "epoch", "items.data.0.current_period_end"),
         C("items", "list", "items.data", description="Subscription items with price and quantity."),
         STRIPE_METADATA),
        resource="subscriptions",
        list_params=(("status", "all"),),
        event_types=("customer.subscription.created", "customer.subscription.updated",
                     "customer.subscription.deleted", "customer.subscription.paused",
                     "customer.subscription.resumed"),
    ),
    StreamSpec(
        "stripe", "invoices", "Stripe invoices: what each subscription billed and collected.", "stripe_objects",
        (C("id", "text", required=True), STRIPE_CREATED, C("customer", "text"),
         # Since API version 2025-03-31.basil the subscription sits under the invoice's parent.
         C("subscription", "text", "parent.subscription_details.subscription"),
         C("status", "text"), C("amount_due", "bigint"), C("amount_paid", "bigint"), C("currency", "text"),
         C("period_start", "epoch"), C("period_end", "epoch")),
        resource="invoices",
        event_types=("invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_failed",
                     "invoice.updated", "invoice.voided", "invoice.marked_uncollectible"),
    ),
    StreamSpec(
        "stripe", "events", "Stripe's event log (30 days kept by Stripe): what changed, when.", "stripe_events",
        (C("id", "text", required=True), STRIPE_CREATED, C("type", "text", required=True),
         C("object_id", "text", "data.object.id"), C("object_type", "text", "data.object.object"),
         C("api_version", "text"), C("data", "object", required=True)),
        resource="events",
    ),
    StreamSpec(
        "zendesk", "tickets", "Zendesk tickets from the incremental cursor export.", "zendesk_export",
        (C("id", "id", required=True), *ZENDESK_TIMES, C("subject", "text"), C("status", "text", required=True),
         C("priority", "text"), C("type", "text"), C("requester_id", "id"), C("submitter_id", "id"),
         C("assignee_id", "id"), C("organization_id", "id"), C("group_id", "id"), C("tags", "list"),
         C("custom_fields", "list")),
        resource="tickets", version="updated_at",
    ),
    StreamSpec(
        "zendesk", "users", "Zendesk users (end users and agents) from the incremental cursor export.",
        "zendesk_export",
        (C("id", "id", required=True), *ZENDESK_TIMES, C("name", "text"), C("email", "text"),
         C("organization_id", "id"), C("external_id", "text"), C("role", "text"), C("user_fields", "object")),
        resource="users", version="updated_at",
    ),
    StreamSpec(
        "zendesk", "organizations", "Zendesk organizations from the incremental export.", "zendesk_export",
        (C("id", "id", required=True), *ZENDESK_TIMES, C("name", "text"), C("external_id", "text"),
         C("domain_names", "list"), C("tags", "list"), C("organization_fields", "object")),
        resource="organizations", version="updated_at",
    ),
    StreamSpec(
        "segment", "events", "Segment calls from the S3-destination landing files, by received day.",
        "segment_files",
        (C("message_id", "text", "messageId", required=True),
         C("type", "text", required=True),
         C("event", "text"), C("user_id", "text", "userId"), C("anonymous_id", "text", "anonymousId"),
         C("group_id", "text", "groupId"),
         C("timestamp", "iso", required=True), C("received_at", "iso", "receivedAt", required=True),
         C("sent_at", "iso", "sentAt"), C("original_timestamp", "iso", "originalTimestamp"),
         C("properties", "object"), C("traits", "object"), C("context", "object")),
    ),
)
