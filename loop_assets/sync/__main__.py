"""`python -m loop_assets.sync why <app> <object> <id>`: why the app holds what the loop pushed (read-only)."""

from __future__ import annotations

import argparse
import sys

import duckdb

from ..warehouse import warehouse_path
from .audit import explain, find_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loop_assets.sync")
    commands = parser.add_subparsers(dest="command", required=True)
    why = commands.add_parser("why", help="show the pushes of one app record and the model rows behind them")
    why.add_argument("app", help="zendesk, stripe or segment")
    why.add_argument("object", help="ticket, organization, customer, trait ...")
    why.add_argument("id", help="the record's id in the app")
    why.add_argument("--warehouse", default=None, help="DuckDB file (default: LOOP_WAREHOUSE or data/warehouse.duckdb)")
    args = parser.parse_args(argv)
    try:
        spec = find_spec(args.app, args.object)
    except LookupError as unknown:
        print(unknown, file=sys.stderr)
        return 2
    path = args.warehouse or warehouse_path()
    try:
        # Read-only, so it never takes the write lock a running sync needs.
        conn = duckdb.connect(path, read_only=True)
    except duckdb.IOException as error:
        print(f"cannot read the warehouse {path} (set LOOP_WAREHOUSE or pass --warehouse): {error}", file=sys.stderr)
        return 1
    with conn:
        if not conn.execute("select count(*) from information_schema.tables where table_schema = 'loop' "
                            "and table_name = 'sync_audit'").fetchone()[0]:
            print(f"no sync has run against {path} yet (loop.sync_audit is missing)", file=sys.stderr)
            return 1
        print(explain(conn, spec, args.id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
