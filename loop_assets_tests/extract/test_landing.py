"""Landing a group: new keys are inserted, known keys updated; the table ends the same whichever way it updates."""

import duckdb
import pytest

from loop_assets.extract.landing import Counts, Page, checked_pages, ensure_table, land_pages, table_name
from loop_assets.extract.specs import STREAMS
from loop_assets.warehouse import ensure_state_tables

CUSTOMERS = next(s for s in STREAMS if s.key == "stripe__customers")


def customer(i: int, email: str) -> dict:
    return {"id": f"cus_{i:03d}", "object": "customer", "created": 1_700_000_000 + i, "email": email,
            "name": f"Customer {i}", "metadata": {}}


def land(conn, records: list[dict], versions: list[int]) -> Counts:
    counts = Counts()
    pages = checked_pages(CUSTOMERS, iter([Page("test", records, {"seen": len(records)}, versions)]))
    land_pages(conn, CUSTOMERS, list(pages), counts, stream=CUSTOMERS.key, run_id="test")
    return counts


# DuckDB looks keys up in the index for at most `dynamic_or_filter_threshold` of them: with 30 known keys,
# 2 makes one UPDATE over the whole table, 5 makes six chunked UPDATEs, 50 makes one chunk.
@pytest.mark.parametrize("lookup_keys", [2, 5, 50], ids=["one-update", "six-chunks", "one-chunk"])
def test_a_group_of_known_and_new_keys_lands_the_newest_snapshots_whichever_way_it_updates(tmp_path, lookup_keys):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute(f"set dynamic_or_filter_threshold = {lookup_keys}")
        ensure_state_tables(conn)
        ensure_table(conn, CUSTOMERS)
        first = land(conn, [customer(i, "old@example.com") for i in range(40)], [1] * 40)
        assert (first.inserted, first.updated) == (40, 0)

        # 30 known keys: 20 newer and changed, 5 older (ignored), 5 the same; and 10 new keys.
        group = ([customer(i, "new@example.com") for i in range(20)]
                 + [customer(i, "older@example.com") for i in range(20, 25)]
                 + [customer(i, "old@example.com") for i in range(25, 30)]
                 + [customer(i, "new@example.com") for i in range(40, 50)])
        second = land(conn, group, [2] * 20 + [0] * 5 + [1] * 5 + [2] * 10)
        assert (second.inserted, second.updated, second.unchanged) == (10, 20, 10)
        emails = dict(conn.execute(f"select id, email from {table_name(CUSTOMERS)}").fetchall())

    assert len(emails) == 50
    assert {i: emails[f"cus_{i:03d}"] for i in (0, 19, 20, 25, 39, 40, 49)} == {
        0: "new@example.com", 19: "new@example.com", 20: "old@example.com", 25: "old@example.com",
        39: "old@example.com", 40: "new@example.com", 49: "new@example.com"}
