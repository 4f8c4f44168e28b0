"""ZendeskClient over real HTTP: cursor lists, incremental export state, bulk updates and job polling."""

from __future__ import annotations

import time

import pytest

from loop_assets.apps.http import AppError
from loop_assets.apps.zendesk import ZendeskClient
from loop_assets_tests.apps.conftest import Reply

FAST = {"backoff_base": 0.01, "backoff_cap": 0.05}


def client_for(server, prefix: str = "") -> ZendeskClient:
    return ZendeskClient(server.url + prefix, "agent@example.com", "zd-token-secret", **FAST)


def test_cursor_list_stops_on_has_more_false_even_when_links_next_is_present(server):
    server.script(
        Reply(200, {"tickets": [{"id": 1}], "meta": {"has_more": True, "after_cursor": "c1"},
                    "links": {"next": f"{server.url}/api/v2/tickets.json?page%5Bsize%5D=100&page%5Bafter%5D=c1"}}),
        Reply(200, {"tickets": [{"id": 2}], "meta": {"has_more": False, "after_cursor": "c2"},
                    "links": {"next": f"{server.url}/api/v2/tickets.json?page%5Bsize%5D=100&page%5Bafter%5D=c2"}}),
    )

    pages = list(client_for(server).list_pages("tickets"))

    assert pages == [[{"id": 1}], [{"id": 2}]]
    assert [r.query for r in server.received] == [{"page[size]": "100"}, {"page[size]": "100", "page[after]": "c1"}]


def test_cursor_list_rebuilds_links_that_lose_the_base_url_prefix(server):
    # The app builds links from the host it saw, dropping the /zendesk prefix a proxy put in front.
    server.script(
        Reply(200, {"users": [{"id": 1}], "meta": {"has_more": True, "after_cursor": "c1"},
                    "links": {"next": f"{server.url}/api/v2/users.json?page%5Bafter%5D=c1"}}),
        Reply(200, {"users": [{"id": 2}], "meta": {"has_more": False}, "links": {}}),
    )

    pages = list(client_for(server, "/zendesk").list_pages("users"))

    assert pages == [[{"id": 1}], [{"id": 2}]]
    assert [r.path for r in server.received] == ["/zendesk/api/v2/users.json"] * 2
    assert server.received[1].query == {"page[size]": "100", "page[after]": "c1"}


def test_cursor_export_starts_at_start_time_and_keeps_the_after_cursor_at_end_of_stream(server):
    server.script(
        Reply(200, {"tickets": [{"id": 1}], "after_cursor": "a1", "end_of_stream": False,
                    "after_url": f"{server.url}/api/v2/incremental/tickets/cursor.json?cursor=a1&per_page=1"}),
        Reply(200, {"tickets": [{"id": 2}], "after_cursor": "a2", "end_of_stream": True, "after_url": None}),
    )

    pages = list(client_for(server).export_pages("tickets", None, start_time=1700000000))

    assert [(p.records, p.state, p.end_of_stream) for p in pages] == [
        ([{"id": 1}], {"cursor": "a1"}, False),
        ([{"id": 2}], {"cursor": "a2"}, True),
    ]
    assert [r.query for r in server.received] == [{"start_time": "1700000000"}, {"cursor": "a1", "per_page": "1"}]


def test_cursor_export_resumes_from_the_persisted_cursor(server):
    server.script(Reply(200, {"users": [], "after_cursor": "a9", "end_of_stream": True}))

    pages = list(client_for(server).export_pages("users", {"cursor": "a8"}))

    assert [p.state for p in pages] == [{"cursor": "a9"}]
    assert server.received[0].path == "/api/v2/incremental/users/cursor.json"
    assert server.received[0].query == {"cursor": "a8"}


def test_time_based_organization_export_persists_end_time_as_the_next_start_time(server):
    elsewhere = "https://elsewhere.zendesk.com/api/v2/incremental/organizations.json?start_time=1700000500"
    server.script(
        Reply(200, {"organizations": [{"id": 1}], "count": 1, "end_of_stream": False, "end_time": 1700000500,
                    "next_page": elsewhere}),
        Reply(200, {"organizations": [{"id": 2}], "count": 1, "end_of_stream": True, "end_time": 1700000900,
                    "next_page": None}),
    )

    pages = list(client_for(server).export_pages("organizations", {"start_time": 1700000000}))

    assert [p.state for p in pages] == [{"start_time": 1700000500}, {"start_time": 1700000900}]
    assert [r.path for r in server.received] == ["/api/v2/incremental/organizations.json"] * 2
    assert [r.query["start_time"] for r in server.received] == ["1700000000", "1700000500"]


def test_unknown_export_stream_is_refused_with_the_known_names(server):
    with pytest.raises(ValueError, match="organizations"):
        client_for(server).export_pages("ticket_events", None)


def test_update_many_puts_per_record_values_and_wait_for_job_polls_until_completed(server):
    queued = {"id": "job1", "status": "queued", "total": 2, "progress": None, "results": None}
    done = {**queued, "status": "completed", "progress": 2,
            "results": [{"id": 1, "success": True}, {"id": 2, "success": True}]}
    server.script(Reply(200, {"job_status": queued}), Reply(200, {"job_status": {**queued, "status": "working"}}),
                  Reply(200, {"job_status": done}))
    client = client_for(server)

    job = client.update_many("tickets", [{"id": 1, "priority": "high"}, {"id": 2, "priority": "low"}])
    final = client.wait_for_job(job["id"], first_look=0.01)

    assert final["status"] == "completed"
    assert server.received[0].method == "PUT"
    assert server.received[0].body == {"tickets": [{"id": 1, "priority": "high"}, {"id": 2, "priority": "low"}]}
    assert [r.path for r in server.received[1:]] == ["/api/v2/job_statuses/job1.json"] * 2


def test_wait_for_job_first_asks_once_the_first_wait_has_passed_not_right_after_queuing(server):
    done = {"id": "job1", "status": "completed", "total": 1, "progress": 1, "results": [{"id": 1, "success": True}]}
    server.script(Reply(200, {"job_status": done}))

    started = time.monotonic()
    final = client_for(server).wait_for_job("job1", first_look=0.3)

    assert final["status"] == "completed"
    assert time.monotonic() - started >= 0.3
    assert len(server.received) == 1


def test_wait_for_job_waits_twice_as_long_before_each_look_up_to_the_longest_wait(server):
    looked_at: list[float] = []
    statuses = iter(["queued", "working", "working", "working", "working", "completed"])

    def respond(received):
        looked_at.append(time.monotonic())
        return Reply(200, {"job_status": {"id": "job1", "status": next(statuses), "results": []}})

    server.respond = respond
    started = time.monotonic()
    final = client_for(server).wait_for_job("job1", first_look=0.05, longest_wait=0.2)

    assert final["status"] == "completed"
    waits = [later - earlier for earlier, later in zip([started, *looked_at], looked_at)]
    assert len(waits) == 6
    assert [round(wait, 2) >= least for wait, least in zip(waits, [0.05, 0.1, 0.2, 0.2, 0.2, 0.2])] == [True] * 6
    assert max(waits) < 0.35, waits  # never more than the longest wait (plus a request's time)


def test_update_many_over_100_records_is_refused_before_sending(server):
    with pytest.raises(ValueError, match="at most 100"):
        client_for(server).update_many("organizations", [{"id": n} for n in range(101)])
    assert server.received == []


def test_wait_for_job_gives_up_after_the_timeout_naming_the_job(server):
    server.respond = lambda received: Reply(200, {"job_status": {"id": "job7", "status": "working"}})

    with pytest.raises(AppError, match="job job7 still working"):
        client_for(server).wait_for_job("job7", timeout=0.1, first_look=0.02)


def test_rejected_token_names_the_settings_without_the_token(server):
    server.script(Reply(401, {"error": "Couldn't authenticate you"}))

    with pytest.raises(AppError) as raised:
        list(client_for(server).list_pages("tickets"))

    assert "Set ZENDESK_EMAIL and ZENDESK_API_TOKEN" in str(raised.value)
    assert "zd-token-secret" not in str(raised.value)
    assert server.received[0].headers["Authorization"].startswith("Basic ")
