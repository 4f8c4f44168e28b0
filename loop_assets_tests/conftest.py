"""Fixtures shared by every layer's tests: a real sandbox server over HTTP and a DuckDB file per test."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import duckdb
import pytest
import requests
from dagster_duckdb import DuckDBResource

from loop_assets.resources import SegmentResource, StripeResource, ZendeskResource
from loop_assets.sandbox import credentials
from loop_assets.sandbox.generator import generate
from loop_assets.sandbox.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
# Generous limits and no export lag, so tests do not wait on Zendesk's documented 10 requests/minute.
TEST_CONFIG = {"incremental_lag_seconds": 0, "stripe_requests_per_second": 1000,
               "zendesk_requests_per_minute": 100000, "zendesk_exports_per_minute": 100000}


@dataclass
class Sandbox:
    """A running sandbox server: its URL, its state, and the admin calls tests use."""

    url: str
    state_dir: Path
    process: subprocess.Popen

    def store(self) -> Store:
        return open_store(self.state_dir)

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def inject(self, **rule) -> None:
        self.admin("POST", "faults", rule)

    def stop(self) -> None:
        """Stop the server; a request held by a `slow` fault must not keep it alive."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def resources(self, **overrides) -> dict:
        resources = {
            "stripe": StripeResource(api_key=credentials.STRIPE_API_KEY, base_url=f"{self.url}/stripe"),
            "zendesk": ZendeskResource(base_url=f"{self.url}/zendesk", email=credentials.ZENDESK_EMAIL,
                                       api_token=credentials.ZENDESK_API_TOKEN),
            "segment": SegmentResource(landing_dir=str(self.state_dir), source_id=credentials.SEGMENT_SOURCE_ID,
                                       write_key=credentials.SEGMENT_WRITE_KEY, tracking_url=f"{self.url}/segment"),
        }
        return {**resources, **overrides}


def start_sandbox(state_dir: Path, config: dict | None = None) -> Sandbox:
    process = subprocess.Popen(
        [sys.executable, "-m", "loop_assets.sandbox", "--state-dir", str(state_dir), "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r}")
    sandbox = Sandbox(line.strip().rsplit(" ", 1)[-1], state_dir, process)
    sandbox.admin("POST", "config", {**TEST_CONFIG, **(config or {})})
    return sandbox


def kill_run_when_fault_fires(sandbox: Sandbox, warehouse: DuckDBResource, home: Path, *, module: str,
                              select: str, stalled_for: float = 0.0) -> None:
    """Run a real `dagster asset materialize` and SIGKILL it, step processes included, once the sandbox's
    first fault rule (typically a `slow` answer) has fired and `stalled_for` seconds have passed: the run
    dies in the middle of its work."""
    home.mkdir()
    env = {**os.environ, "LOOP_SANDBOX_URL": sandbox.url, "LOOP_WAREHOUSE": warehouse.database,
           "DAGSTER_HOME": str(home)}
    run = subprocess.Popen(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", module, "--select", select],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while sandbox.admin("GET", "faults")["rules"][0]["remaining"] > 0:
        assert run.poll() is None and time.monotonic() < deadline, f"the run of {select} never reached the fault"
        time.sleep(0.2)
    time.sleep(stalled_for)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    wait_until_group_exits(run.pid)
    wait_until_unlocked(warehouse.database)


def wait_until_unlocked(database: str, timeout: float = 30) -> None:
    """Block until the DuckDB file can be opened, or fail naming the process that holds it. Once, in CI,
    the open right after the group had exited failed on a lock held by another PID (cause not found)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            duckdb.connect(database).close()
            return
        except duckdb.IOException as error:
            assert time.monotonic() < deadline, f"{database} still locked {timeout:g}s after the kill: {error}"
            time.sleep(0.1)


def wait_until_group_exits(pgid: int, timeout: float = 30) -> None:
    """Block until every process of a killed group has exited (zombies count as exited: they hold no file
    locks). `Popen.wait` only covers the leader; the step processes may still hold the warehouse lock."""
    deadline = time.monotonic() + timeout
    while any(_alive_in_group(stat, pgid) for stat in Path("/proc").glob("[0-9]*/stat")):
        assert time.monotonic() < deadline, f"processes of group {pgid} outlived SIGKILL by {timeout}s"
        time.sleep(0.05)


def _alive_in_group(stat: Path, pgid: int) -> bool:
    try:
        fields = stat.read_text().rpartition(")")[2].split()
    except OSError:  # the process exited while we looked
        return False
    state, group = fields[0], int(fields[2])
    return group == pgid and state != "Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


@contextmanager
def dagster_dev(tmp_path: Path, sandbox_config: dict | None = None, env: dict | None = None):
    """The README's run command as `.ci/dev` starts it, on temporary state: a small sandbox and `dagster dev`
    (webserver + daemon) with the repo's instance settings and any extra `env`. Yields (sandbox, DAGSTER_HOME,
    UI url, log path)."""
    state_dir = tmp_path / "sandbox"
    generate(open_store(state_dir), state_dir, customers=20, days=7, seed=3)
    sandbox = start_sandbox(state_dir, {"job_queued_seconds": 0.2, "job_working_seconds": 0.2, **(sandbox_config or {})})
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "loop_assets" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "LOOP_DATA_DIR": str(tmp_path),
           "LOOP_SANDBOX_URL": sandbox.url, "LOOP_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), **(env or {})}
    log_path = tmp_path / "dagster_dev.log"
    log = open(log_path, "w")
    dev = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
                            "-h", "127.0.0.1", "-p", str(port)],
                           cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(f"{url}/server_info"):
            assert time.monotonic() < deadline and dev.poll() is None, "dagster dev did not start"
            time.sleep(0.5)
        yield sandbox, home, url, log_path
    finally:
        # The state is temporary: a graceful stop (dagster dev takes 20 s or more) would only cost time.
        os.killpg(dev.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            dev.wait(timeout=3)
        # Whatever of the group outlived the grace (a run still importing, the leader itself) goes now.
        with suppress(ProcessLookupError):
            os.killpg(dev.pid, signal.SIGKILL)
        dev.wait()
        wait_until_group_exits(dev.pid)
        log.close()
        sandbox.stop()


@pytest.fixture
def sandbox_data(tmp_path) -> Path:
    """A sandbox state directory with small generated data (deterministic)."""
    state_dir = tmp_path / "sandbox"
    generate(open_store(state_dir), state_dir, customers=40, days=30, seed=11)
    return state_dir


@pytest.fixture
def sandbox(sandbox_data) -> Sandbox:
    running = start_sandbox(sandbox_data)
    yield running
    running.stop()


@pytest.fixture
def write_project(tmp_path):
    """Write a model project from {relative path: text} into a fresh folder and return the folder."""

    def write(files: dict[str, str]) -> Path:
        project = tmp_path / "models"
        for relative, text in files.items():
            path = project / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dedent(text).lstrip("\n"))
        return project

    return write


@pytest.fixture
def warehouse(tmp_path) -> DuckDBResource:
    return DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))


# Each takes one to four minutes: started first, in pairs (`.ci/test` sends tests two at a time), one worker
# takes the two `dagster dev` tests one after the other, another the CLI runs and the benchmark, and the
# quick tests fill in around them.
SLOWEST = ("automation/test_loop_runs_itself.py", "ui/test_ui.py", "automation/test_backfill_cli.py",
           "benchmarks/test_benchmark_smoke.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, slow in enumerate(SLOWEST) if path.endswith(slow)), len(SLOWEST))

    items.sort(key=rank)
