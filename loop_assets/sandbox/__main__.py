"""`python -m loop_assets.sandbox serve | generate | activity`: run and fill the sandbox apps."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from ..paths import sandbox_dir
from .credentials import DEFAULT_PORT
from .store import open_store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loop_assets.sandbox", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=None, help="default: $LOOP_DATA_DIR/sandbox or data/sandbox")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the Stripe, Zendesk and Segment APIs over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")

    generate = commands.add_parser("generate", help="fill the apps with deterministic, realistic data")
    generate.add_argument("--customers", type=int, default=1000)
    generate.add_argument("--days", type=int, default=90)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--events-per-customer-day", type=float, default=None)
    generate.add_argument("--reset", action="store_true", help="delete the existing sandbox state first")

    activity = commands.add_parser("activity", help="advance the apps in time: new charges, tickets, events")
    activity.add_argument("--minutes", type=int, default=60)

    args = parser.parse_args(argv)
    state_dir = args.state_dir or sandbox_dir()
    if args.command == "serve":
        from .server import serve

        serve(state_dir, host=args.host, port=args.port)
    elif args.command == "generate":
        _generate(state_dir, args)
    else:
        from .activity import advance

        print(json.dumps(advance(open_store(state_dir), state_dir, minutes=args.minutes)))


def _generate(state_dir: Path, args: argparse.Namespace) -> None:
    from .generator import generate

    if args.reset and state_dir.exists():
        shutil.rmtree(state_dir)
    store = open_store(state_dir)
    if store.count("stripe", "customer"):
        raise SystemExit(f"{state_dir} already holds sandbox data; pass --reset to generate it anew")
    options = {} if args.events_per_customer_day is None else {"events_per_customer_day": args.events_per_customer_day}
    counts = generate(store, state_dir, customers=args.customers, days=args.days, seed=args.seed, **options)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
