"""The UI in a real browser: headless Chromium opens the asset graph, clicks Materialize all, and sees it work."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import expect, sync_playwright

from loop_assets_tests.conftest import dagster_dev

CHROMIUM = "/usr/bin/chromium"
GROUPS = ["raw", "staging", "intermediate", "marts", "outbound", "sync"]


@pytest.fixture
def dagster_ui(tmp_path):
    """`dagster dev` (webserver + daemon, which runs backfills) on a small sandbox and temporary state."""
    with dagster_dev(tmp_path) as (_, home, url, _):
        yield url, home


def wait_until_no_run_is_going(home: Path, timeout: float) -> None:
    """Until no run is queued or going."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while any(not r.is_finished for r in instance.get_runs()):
            assert time.monotonic() < deadline, f"runs still going after {timeout:g} s"
            time.sleep(1)


def check_verdicts(home: Path, run_id: str, asset: str) -> list[bool]:
    """Whether each check of `asset` evaluated in the run passed."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [e.dagster_event.event_specific_data for e in events]
    return [e.passed for e in evaluations if e.asset_key == dg.AssetKey(asset)]


def wait_for_ui_run(home: Path, timeout: float) -> dg.DagsterRun:
    """The run launched from the UI (not by a sensor or declarative automation), once it has finished."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.monotonic() < deadline:
            runs = [r for r in instance.get_runs() if "dagster/partition" in r.tags
                    and not any(tag.startswith(("dagster/sensor", "dagster/automation", "dagster/from_automation"))
                                for tag in r.tags)]
            if runs and runs[0].is_finished:
                return runs[0]
            time.sleep(1)
    pytest.fail(f"the run launched from the UI did not finish in {timeout:g} s")


def test_materialize_all_from_the_asset_graph_builds_every_asset_and_runs_its_checks(dagster_ui, tmp_path):
    url, home = dagster_ui
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{url}/asset-groups")
        skip = page.get_by_role("button", name="Skip")  # the community sign-up dialog of a new instance
        skip.wait_for(timeout=20_000)
        skip.click()
        for group in GROUPS:
            expect(page.get_by_text(group, exact=True).first).to_be_visible()
        page.screenshot(path=str(tmp_path / "asset_graph.png"))

        # The sensors' first runs are going at start-up; a launch while they hold the assets may not happen.
        wait_until_no_run_is_going(home, 240)
        page.get_by_role("button", name="Materialize all").click()
        page.get_by_role("button", name="Latest", exact=True).click()  # today's Segment day
        page.get_by_role("button", name="Launch 1 run").click()
        run = wait_for_ui_run(home, 240)
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.run_id
        # The sensors and declarative automation run beside it, so the checks page shows whichever run
        # touched account_priority last ("In progress", "Not evaluated"): the UI run's own verdicts are read
        # from its events.
        verdicts = check_verdicts(home, run.run_id, "account_priority")
        assert len(verdicts) == 18 and all(verdicts), verdicts

        page.goto(f"{url}/assets/account_priority?view=checks")
        expect(page.get_by_text("not_null__account_id").first).to_be_visible(timeout=20_000)
        expect(page.get_by_text("Checks (18)").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "account_priority_checks.png"))
        page.goto(f"{url}/assets/zendesk__tickets_sync")
        description = page.get_by_text("Push outbound_zendesk__tickets to zendesk").first
        description.wait_for(timeout=20_000)
        page.screenshot(path=str(tmp_path / "zendesk__tickets_sync.png"), full_page=True)
        for shown in ("data", "Zendesk", "sync", "loop_automation"):  # owner team, kind, group, sensor
            expect(page.get_by_text(shown, exact=True).first).to_be_attached()
        browser.close()
