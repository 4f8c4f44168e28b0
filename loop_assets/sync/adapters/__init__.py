"""One adapter per destination: turns a batch of changed rows into the fewest API writes and reports per-row results."""

from __future__ import annotations

from collections.abc import Callable

from ..specs import SyncSpec
from .base import Adapter


def adapter_for(spec: SyncSpec, resources) -> Adapter:
    """The adapter of `spec.destination`, on a client built from the app's Dagster resource."""
    from .segment import SegmentTraitsAdapter
    from .stripe import StripeCustomersAdapter
    from .zendesk import ZendeskBulkAdapter

    builders: dict[str, Callable[[], Adapter]] = {
        "zendesk_tickets": lambda: ZendeskBulkAdapter(resources.zendesk.client(), "tickets"),
        "zendesk_organizations": lambda: ZendeskBulkAdapter(resources.zendesk.client(), "organizations"),
        "segment_traits": lambda: SegmentTraitsAdapter(resources.segment.tracking_client(), spec.name),
        "stripe_customers": lambda: StripeCustomersAdapter(resources.stripe.client(), spec.name),
    }
    if spec.destination not in builders:
        raise ValueError(f"sync {spec.name}: no adapter for destination {spec.destination!r}; "
                         f"known: {', '.join(sorted(builders))}")
    return builders[spec.destination]()
