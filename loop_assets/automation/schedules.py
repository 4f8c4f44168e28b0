"""Schedules: a nightly full re-read of the apps, off until a user turns it on (it reads every record)."""

import dagster as dg

from .jobs import full_refresh_job

nightly_full_refresh = dg.ScheduleDefinition(
    name="nightly_full_refresh",
    job=full_refresh_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="03:00 UTC: re-read Stripe and Zendesk in full, catching anything an incremental cursor missed.",
)
