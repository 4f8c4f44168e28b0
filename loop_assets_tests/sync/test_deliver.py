"""The delivery loop on a real journal file: what it records, and when."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import replace

import duckdb
import pytest

from loop_assets.apps.http import CallStats
from loop_assets.sync.adapters.base import Sent
from loop_assets.sync import journal
from loop_assets.sync.deliver import deliver
from loop_assets.sync.diff import Change
from loop_assets.sync.specs import SYNCS

STRIPE = replace(next(s for s in SYNCS if s.name == "stripe__customers_sync"), requests_per_second=10_000)


class App:
    """Confirms every row after `latency` seconds; `on_call(n)` runs inside the n-th call (from 1)."""

    def __init__(self, latency: float = 0.0, on_call=None):
        self.stats = CallStats()
        self.latency, self.on_call = latency, on_call
        self.calls, self.lock = 0, threading.Lock()

    def send(self, rows: list[Change]) -> Sent:
        with self.lock:
            self.calls += 1
            call = self.calls
        time.sleep(self.latency)
        if self.on_call:
            self.on_call(call)
        return Sent(1, {})


def changes(n: int) -> list[Change]:
    return [Change(f"cus_{i}", "added", {"metadata.loop_tier": "high"}, f"hash{i}", None) for i in range(n)]


def confirmed_keys(path) -> set[str]:
    with journal.connect(path) as conn:
        return {key for (key,) in conn.execute("select key from journal.answers where error is null").fetchall()}


@pytest.fixture
def path(tmp_path):
    return tmp_path / "stripe__customers_sync.duckdb"


def test_every_confirmed_row_is_recorded_when_many_calls_answer_at_once(path):
    rows = changes(500)
    result = deliver(STRIPE, rows, App(latency=0.001), lambda: journal.connect(path))
    assert (result.requests, result.confirmed, result.rejected) == (500, 500, 0)
    assert confirmed_keys(path) == {row.key for row in rows}


def test_a_failing_call_stops_the_delivery_after_recording_what_was_confirmed_before_it(path):
    one_at_a_time = replace(STRIPE, in_flight=1)

    def fail_fifth(call: int) -> None:
        if call == 5:
            raise ConnectionError("connection reset by peer")

    rows = changes(20)
    with pytest.raises(ConnectionError):
        deliver(one_at_a_time, rows, App(on_call=fail_fifth), lambda: journal.connect(path))
    assert confirmed_keys(path) == {row.key for row in rows[:4]}


class BeforeCommit:
    """The journal connection, running `hook()` ahead of each commit: a slow disk, a failing one."""

    def __init__(self, conn, hook):
        self.conn, self.hook = conn, hook

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def commit(self):
        self.hook()
        self.conn.commit()


def connect_with(path, hook):
    @contextmanager
    def connect():
        with journal.connect(path) as conn:
            yield BeforeCommit(conn, hook)
    return connect


def test_calls_keep_going_out_while_answers_are_committed(path):
    commits: list[tuple[float, float]] = []

    def slow_commit():  # 0.3 s a commit: a large ledger on a busy disk
        started = time.monotonic()
        time.sleep(0.3)
        commits.append((started, time.monotonic()))

    starts: list[float] = []
    rows = changes(2000)  # about 1.3 s of calls: several recordings
    app = App(latency=0.005, on_call=lambda call: starts.append(time.monotonic()))
    deliver(STRIPE, rows, app, connect_with(path, slow_commit))
    assert confirmed_keys(path) == {row.key for row in rows}
    # The calls under way when a commit starts answer within 5 ms; any later start is a call sent meanwhile.
    started_during_commits = [t for t in starts for begin, end in commits if begin + 0.05 < t < end]
    assert started_during_commits


def test_a_failed_recording_stops_the_delivery_with_the_journal_error(path):
    commits = []

    def second_commit_fails():
        commits.append(len(commits) + 1)
        if len(commits) == 2:
            raise duckdb.IOException("could not write to the journal file: disk full")

    with pytest.raises(duckdb.IOException, match="disk full"):
        deliver(STRIPE, changes(2000), App(latency=0.005), connect_with(path, second_commit_fails))
    assert len(commits) == 2  # nothing was committed after the failed recording
    assert 0 < len(confirmed_keys(path)) < 2000
