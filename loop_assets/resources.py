"""Dagster resources for the apps: thin wrappers that build the plain clients in `apps/`.

An app whose credentials are set in the environment is the real service; an app without them is the
sandbox. Secrets only ever enter as `dg.EnvVar`, so the UI and run config show the variable's name.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from .apps.segment import SegmentLanding, SegmentTrackingClient
from .apps.stripe import StripeClient
from .apps.zendesk import ZendeskClient
from .paths import sandbox_dir
from .sandbox import credentials as sandbox

STRIPE_ENV = ("STRIPE_API_KEY",)
ZENDESK_ENV = ("ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_API_TOKEN")
SEGMENT_ENV = ("SEGMENT_WRITE_KEY", "SEGMENT_LANDING_DIR", "SEGMENT_SOURCE_ID")


class StripeResource(dg.ConfigurableResource):
    """Stripe's REST API (or the sandbox's emulation of it)."""

    api_key: str
    base_url: str = "https://api.stripe.com"
    max_retries: int = 8

    def client(self) -> StripeClient:
        return StripeClient(self.api_key, self.base_url, max_retries=self.max_retries)


class ZendeskResource(dg.ConfigurableResource):
    """Zendesk Support's REST API; `base_url` is `https://{subdomain}.zendesk.com` for the real one."""

    base_url: str
    email: str
    api_token: str
    max_retries: int = 8

    def client(self) -> ZendeskClient:
        return ZendeskClient(self.base_url, self.email, self.api_token, max_retries=self.max_retries)


class SegmentResource(dg.ConfigurableResource):
    """Segment: raw calls from the S3 destination's files (a local or mounted folder), traits via the Tracking API."""

    landing_dir: str
    source_id: str
    write_key: str
    tracking_url: str = "https://api.segment.io"

    def landing(self) -> SegmentLanding:
        return SegmentLanding(Path(self.landing_dir), self.source_id)

    def tracking_client(self) -> SegmentTrackingClient:
        return SegmentTrackingClient(self.write_key, self.tracking_url)


def sandbox_url() -> str:
    return os.environ.get("LOOP_SANDBOX_URL", f"http://127.0.0.1:{sandbox.DEFAULT_PORT}").rstrip("/")


def _configured(names: tuple[str, ...]) -> bool:
    return any(os.environ.get(name) for name in names)


def app_resources() -> dict[str, dg.ConfigurableResource]:
    """The real app where its credentials are set, the sandbox where they are not."""
    url = sandbox_url()
    stripe = (StripeResource(api_key=dg.EnvVar("STRIPE_API_KEY")) if _configured(STRIPE_ENV)
              else StripeResource(api_key=sandbox.STRIPE_API_KEY, base_url=f"{url}/stripe"))
    if _configured(ZENDESK_ENV):
        zendesk = ZendeskResource(
            base_url=f"https://{os.environ.get('ZENDESK_SUBDOMAIN', '')}.zendesk.com",
            email=dg.EnvVar("ZENDESK_EMAIL"), api_token=dg.EnvVar("ZENDESK_API_TOKEN"),
        )
    else:
        zendesk = ZendeskResource(base_url=f"{url}/zendesk", email=sandbox.ZENDESK_EMAIL,
                                  api_token=sandbox.ZENDESK_API_TOKEN)
    if _configured(SEGMENT_ENV):
        segment = SegmentResource(landing_dir=dg.EnvVar("SEGMENT_LANDING_DIR"),
                                  source_id=dg.EnvVar("SEGMENT_SOURCE_ID"), write_key=dg.EnvVar("SEGMENT_WRITE_KEY"))
    else:
        segment = SegmentResource(landing_dir=str(sandbox_dir()), source_id=sandbox.SEGMENT_SOURCE_ID,
                                  write_key=sandbox.SEGMENT_WRITE_KEY, tracking_url=f"{url}/segment")
    return {"stripe": stripe, "zendesk": zendesk, "segment": segment}
