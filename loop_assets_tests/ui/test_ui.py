"""The UI in a real browser: headless Chromium opens the asset graph, clicks Materialize all, and sees it work."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from loop_assets.sandbox.generator import generate
from loop_assets.sandbox.store import open_store
from loop_assets_tests.conftest import start_sandbox

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
GROUPS = ["raw", "staging", "intermediate", "marts", "outbound", "sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


@pytest.fixture
def dagster_ui(tmp_path):
    """`dagster dev` (webserver + daemon, which runs backfills) on a small sandbox and temporary state."""
    state_dir = tmp_path / "sandbox"
    generate(open_store(state_dir), state_dir, customers=20, days=7, seed=3)
    sandbox = start_sandbox(state_dir, {"job_queued_seconds": 0.2, "job_working_seconds": 0.2})
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "loop_assets" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "LOOP_DATA_DIR": str(tmp_path),
           "LOOP_SANDBOX_URL": sandbox.url, "LOOP_WAREHOUSE": str(tmp_path / "warehouse.duckdb")}
    log = open(tmp_path / "dagster_dev.log", "w")
    dev = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
                            "-h", "127.0.0.1", "-p", str(port)],
                           cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(f"{url}/server_info"):
            assert time.monotonic() < deadline and dev.poll() is None, "dagster dev did not start"
            time.sleep(0.5)
        yield url, home
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
        log.close()
        sandbox.stop()


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

        page.get_by_role("button", name="Materialize all").click()
        page.get_by_role("button", name="Latest", exact=True).click()  # today's Segment day
        page.get_by_role("button", name="Launch 1 run").click()
        run = wait_for_ui_run(home, 100)
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.run_id

        page.goto(f"{url}/assets/account_priority?view=checks")
        expect(page.get_by_text("not_null__account_id").first).to_be_visible(timeout=20_000)
        expect(page.get_by_text("Passed").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "account_priority_checks.png"))
        page.goto(f"{url}/assets/zendesk__tickets_sync")
        description = page.get_by_text("Push outbound_zendesk__tickets to zendesk").first
        description.wait_for(timeout=20_000)
        page.screenshot(path=str(tmp_path / "zendesk__tickets_sync.png"), full_page=True)
        for shown in ("data", "Zendesk", "sync", "loop_automation"):  # owner team, kind, group, sensor
            expect(page.get_by_text(shown, exact=True).first).to_be_attached()
        browser.close()
