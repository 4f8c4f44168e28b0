"""Stripe client: list pages by `starting_after`, update customer metadata idempotently (API version pinned)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from .http import AppRetry, AppSession, CallStats

# Pinned so object shapes (e.g. subscription periods on items.data[]) do not shift under the loop.
STRIPE_VERSION = "2025-03-31.basil"


@dataclass
class StripePage:
    """One page of a Stripe list: its objects (newest first) and whether more follow."""

    records: list[dict]
    has_more: bool


class StripeRetry(AppRetry):
    """Stripe says per response whether a retry can succeed (`Stripe-Should-Retry`); that outranks the status.

    As stripe-python's _http_client.py does: https://docs.stripe.com/error-low-level
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        # Any error is a candidate: the header, read in is_retryable_response, decides.
        return status_code >= 400 and self._is_method_retryable(method)

    def is_retryable_response(self, response) -> bool:
        hint = (response.headers.get("Stripe-Should-Retry") or "").lower()
        if hint in ("true", "false"):
            return hint == "true"
        return super().is_retryable_response(response)


class StripeClient:
    """Reads Stripe lists and writes customer metadata, against api.stripe.com or the sandbox."""

    def __init__(self, api_key: str, base_url: str = "https://api.stripe.com", **session_kwargs) -> None:
        self._session = AppSession(
            "Stripe",
            base_url,
            headers={"Authorization": f"Bearer {api_key}", "Stripe-Version": STRIPE_VERSION},
            auth_hint="Set STRIPE_API_KEY to a valid secret key.",
            retry_policy=StripeRetry,
            **session_kwargs,
        )

    @property
    def stats(self) -> CallStats:
        """Requests this client sent, retries included."""
        return self._session.stats

    def list_pages(
        self,
        resource: str,
        params: dict | None = None,
        *,
        starting_after: str | None = None,
        page_size: int = 100,
    ) -> Iterator[StripePage]:
        """Yield pages of /v1/{resource}, repeating `params` with starting_after=<last id> until has_more is false."""
        # The body's `url` is a relative path without the query, so pages are rebuilt from params, never followed.
        while True:
            query = {**(params or {}), "limit": page_size}
            if starting_after:
                query["starting_after"] = starting_after
            body = self._session.request("GET", f"/v1/{resource}", params=query)
            records = body["data"]
            yield StripePage(records, bool(body["has_more"]))
            if not body["has_more"] or not records:
                return
            starting_after = records[-1]["id"]

    def update_customer_metadata(self, customer_id: str, metadata: dict[str, str], *, idempotency_key: str) -> dict:
        """Set (or, with an empty value, unset) metadata keys on one customer; return the updated customer."""
        form = {f"metadata[{key}]": value for key, value in metadata.items()}
        return self._session.request(
            "POST",
            f"/v1/customers/{quote(customer_id, safe='')}",
            data=form,
            headers={"Idempotency-Key": idempotency_key},
        )
