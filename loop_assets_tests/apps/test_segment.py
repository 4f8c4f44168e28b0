"""Segment: the landing-folder reader on real gzip files, and Tracking API batching over real HTTP."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest

from loop_assets.apps.http import AppAuthError
from loop_assets.apps.segment import MAX_BATCH_BYTES, SegmentLanding, SegmentTrackingClient
from loop_assets.sandbox.segment_landing import write_landing_file
from loop_assets_tests.apps.conftest import Reply

WRITE_KEY = "seg-write-key-secret"
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}
JAN_2 = datetime.datetime(2025, 1, 2, 13, 30, tzinfo=datetime.UTC).timestamp()
JAN_3 = datetime.datetime(2025, 1, 3, 0, 0, tzinfo=datetime.UTC).timestamp()


def identify(n: int, trait_bytes: int = 10) -> dict:
    return {"type": "identify", "userId": f"u{n}", "messageId": f"m{n}", "traits": {"note": "x" * trait_bytes}}


def test_landing_lists_days_and_finished_files_and_numbers_lines(tmp_path):
    write_landing_file(tmp_path, "src_1", ['{"messageId":"a"}', "", '{"messageId":"b"}'], received_at=JAN_2, name="f2")
    write_landing_file(tmp_path, "src_1", ['{"messageId":"c"}'], received_at=JAN_2, name="f1")
    write_landing_file(tmp_path, "src_1", ['{"messageId":"d"}'], received_at=JAN_3, name="f1")
    day_folder = tmp_path / "segment-logs" / "src_1" / str(int(JAN_3 * 1000))
    (day_folder / ".f9.gz.tmp").write_bytes(gzip.compress(b'{"messageId":"half'))
    landing = SegmentLanding(tmp_path, "src_1")

    days = landing.days()
    files = landing.files(datetime.date(2025, 1, 2))

    assert days == [datetime.date(2025, 1, 2), datetime.date(2025, 1, 3)]
    assert [f.name for f in files] == ["f1.gz", "f2.gz"]
    assert [f.name for f in landing.files(datetime.date(2025, 1, 3))] == ["f1.gz"]
    assert list(landing.read_lines(files[1])) == [(1, '{"messageId":"a"}'), (3, '{"messageId":"b"}')]


def test_landing_of_a_source_with_no_files_has_no_days(tmp_path):
    landing = SegmentLanding(tmp_path, "src_none")

    assert landing.days() == []
    assert landing.files(datetime.date(2025, 1, 2)) == []


def test_truncated_landing_file_is_reported_by_path(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(b'{"messageId":"a"}\n' * 100)[:40])

    with pytest.raises(ValueError, match="cut.gz is not a complete gzip file"):
        list(SegmentLanding(tmp_path, "src_1").read_lines(path))


def test_batches_split_at_2500_calls_in_order(server):
    server.respond = lambda received: Reply(200, {"success": True})
    client = SegmentTrackingClient(WRITE_KEY, server.url, **FAST)

    sent = client.send_batch([identify(n) for n in range(6000)])

    assert sent == 3
    assert [len(r.body["batch"]) for r in server.received] == [2500, 2500, 1000]
    assert [c["messageId"] for r in server.received for c in r.body["batch"]] == [f"m{n}" for n in range(6000)]
    assert all(r.headers["Content-Encoding"] == "gzip" and r.body["sentAt"] for r in server.received)
    assert server.received[0].path == "/v1/batch"


def test_batches_split_below_500_kb(server):
    server.respond = lambda received: Reply(200, {"success": True})
    client = SegmentTrackingClient(WRITE_KEY, server.url, **FAST)
    calls = [identify(n, trait_bytes=20_000) for n in range(60)]

    sent = client.send_batch(calls)

    assert sent == len(server.received) == 3
    assert all(r.size <= MAX_BATCH_BYTES for r in server.received)
    assert [c["messageId"] for r in server.received for c in r.body["batch"]] == [c["messageId"] for c in calls]


def test_failed_batch_is_resent_whole_with_the_same_message_ids(server):
    server.script(Reply(429, {"error": "slow down"}, headers={"Retry-After": "0"}))
    server.respond = lambda received: Reply(200, {"success": True})
    client = SegmentTrackingClient(WRITE_KEY, server.url, **FAST)

    assert client.send_batch([identify(1), identify(2)]) == 1
    assert [[c["messageId"] for c in r.body["batch"]] for r in server.received] == [["m1", "m2"]] * 2
    assert client.stats.retries == 1


@pytest.mark.parametrize(
    "call, message",
    [({"type": "identify", "userId": "u1"}, "has no messageId"),
     (identify(1, trait_bytes=40_000), "over the 32000-byte limit")],
    ids=["without-message-id", "over-32-kb"],
)
def test_calls_segment_would_reject_or_duplicate_are_refused_before_sending(server, call, message):
    with pytest.raises(ValueError, match=message):
        SegmentTrackingClient(WRITE_KEY, server.url, **FAST).send_batch([call])
    assert server.received == []


def test_rejected_write_key_names_the_setting_without_the_key(server):
    server.script(Reply(401, {"message": f"invalid write key {WRITE_KEY}"}))

    with pytest.raises(AppAuthError) as raised:
        SegmentTrackingClient(WRITE_KEY, server.url, **FAST).send_batch([identify(1)])

    assert "Set SEGMENT_WRITE_KEY" in str(raised.value)
    assert WRITE_KEY not in str(raised.value)
    assert json.dumps(server.received[0].body["batch"][0]) == json.dumps(identify(1))
