"""The emulated Segment Tracking API, over real HTTP: accepted calls land as files and merge traits."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from loop_assets.sandbox.credentials import SEGMENT_SOURCE_ID


def landed_calls(state_dir) -> list[dict]:
    files = sorted((state_dir / "segment-logs" / SEGMENT_SOURCE_ID).glob("*/*.gz"))
    return [json.loads(line) for path in files for line in gzip.open(path, "rt")]


def test_a_gzipped_batch_lands_as_a_file_and_merges_identify_traits_into_the_profile(sandbox):
    sandbox.call("segment", "POST", "/v1/identify", json={"userId": "u1", "traits": {"email": "a@x.example"}})
    body = {"batch": [
        {"type": "identify", "userId": "u1", "traits": {"loop_tier": "gold"}, "messageId": "m-1"},
        {"type": "track", "anonymousId": "anon-9", "event": "Feature Used", "properties": {"feature": "export"}},
    ], "sentAt": "2026-01-02T03:04:05.000Z"}
    response = sandbox.call("segment", "POST", "/v1/batch", data=gzip.compress(json.dumps(body).encode()),
                            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (200, {"success": True})

    calls = landed_calls(sandbox.state_dir)
    assert [c["type"] for c in calls].count("identify") == 2 and len(calls) == 3
    track = next(c for c in calls if c["type"] == "track")
    assert track["messageId"] and track["receivedAt"] and track["sentAt"] == "2026-01-02T03:04:05.000Z"
    profile = requests.get(f"{sandbox.url}/_sandbox/objects/segment/profile/u1", timeout=5).json()
    assert profile["traits"] == {"email": "a@x.example", "loop_tier": "gold"}


def test_identify_calls_of_one_user_in_a_batch_merge_in_the_order_they_were_sent(sandbox):
    sandbox.call("segment", "POST", "/v1/identify", json={"userId": "u2", "traits": {"plan": "free", "seats": 1}})
    batch = [{"type": "identify", "userId": "u2", "traits": {"plan": "pro"}, "messageId": "m-1"},
             {"type": "identify", "userId": "u3", "traits": {"plan": "team"}, "messageId": "m-2"},
             {"type": "identify", "userId": "u2", "traits": {"seats": 5, "plan": "enterprise"}, "messageId": "m-3"}]
    assert sandbox.call("segment", "POST", "/v1/batch", json={"batch": batch}).status_code == 200

    profile = requests.get(f"{sandbox.url}/_sandbox/objects/segment/profile/u2", timeout=5).json()
    assert profile["traits"] == {"plan": "enterprise", "seats": 5}
    assert requests.get(f"{sandbox.url}/_sandbox/objects/segment/profile/u3", timeout=5).json()["traits"] == {
        "plan": "team"}


@pytest.mark.parametrize("body", [
    b"{not json",
    json.dumps({"batch": [{"type": "track", "event": "Signed In"}]}).encode(),
    json.dumps({"batch": [{"type": "identify", "userId": "u1"}] * 2501}).encode(),
    json.dumps({"batch": [{"type": "identify", "userId": "u1", "traits": {"blob": "x" * 33_000}}]}).encode(),
    json.dumps({"batch": [{"type": "identify", "userId": f"u{i}", "traits": {"blob": "x" * 30_000}}
                          for i in range(20)]}).encode(),
], ids=["invalid-json", "no-user-or-anonymous-id", "over-2500-calls", "call-over-32kb", "batch-over-500kb"])
def test_a_request_segment_would_reject_is_a_400_and_lands_nothing(sandbox, body):
    response = sandbox.call("segment", "POST", "/v1/batch", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["success"] is False
    assert landed_calls(sandbox.state_dir) == []


def test_a_wrong_write_key_is_a_401(sandbox):
    response = requests.post(f"{sandbox.url}/segment/v1/track", auth=("wrong-key", ""), timeout=5,
                             json={"userId": "u1", "event": "Signed In"})
    assert response.status_code == 401
