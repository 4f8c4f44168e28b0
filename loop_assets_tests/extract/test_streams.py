"""Segment day pages: which landing files a day's cursor counts as read whole."""

from __future__ import annotations

import datetime
import gzip

from loop_assets.apps.segment import SegmentLanding
from loop_assets.extract import streams
from loop_assets.extract.streams import files_to_read, landed_files, segment_file_pages
from loop_assets.sandbox.segment_landing import day_ms, write_landing_file

NOON = datetime.datetime(2025, 1, 2, 12, tzinfo=datetime.UTC)


def test_a_day_cursor_counts_whole_files_only_and_the_next_run_reads_the_file_cut_short_again(tmp_path, monkeypatch):
    monkeypatch.setattr(streams, "SEGMENT_BATCH", 2)
    write_landing_file(tmp_path, "src", ['{"n":1}', '{"n":2}'], received_at=NOON.timestamp(), name="a")
    folder = tmp_path / "segment-logs" / "src" / str(day_ms(NOON.timestamp()))
    whole = gzip.compress("".join(f'{{"n":{n}}}\n' for n in range(3, 1000)).encode())
    (folder / "b.gz").write_bytes(whole[: len(whole) // 2])  # a file cut short
    write_landing_file(tmp_path, "src", ['{"n":4}'], received_at=NOON.timestamp(), name="c")
    landing = SegmentLanding(tmp_path, "src")

    pages = list(segment_file_pages(landing, NOON.date(), landing.files(NOON.date()), frozenset()))

    # The first page ends with a.gz's last line and goes out with a.gz counted as read.
    assert (pages[0].lines, pages[0].state["done"]) == (['{"n":1}', '{"n":2}'], ["a.gz"])
    assert pages[-1].state["done"] == ["a.gz", "c.gz"]
    landed = landed_files(pages[-1].state)
    unread, skipped = files_to_read(landing, NOON.date(), landed)
    assert ([path.name for path in unread], skipped) == (["b.gz"], 2)
    again = list(segment_file_pages(landing, NOON.date(), unread, landed))
    assert {position.split(":")[0] for page in again for position in page.positions} == {"b.gz"}
    assert again[-1].state["done"] == ["a.gz", "c.gz"]
