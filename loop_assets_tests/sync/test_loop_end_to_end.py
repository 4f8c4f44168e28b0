"""The whole loop over the sandbox: extract, build the real models and outbound models, push all four syncs."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from loop_assets.extract.assets import build_extract_assets
from loop_assets.sync.assets import build_sync_assets
from loop_assets.transform.assets import build_model_assets

MODELS = Path(__file__).parents[2] / "loop_assets" / "models"


def test_the_real_outbound_models_reach_the_apps_and_a_second_pass_sends_nothing(fast_sandbox, warehouse):
    landed_days = sorted(int(p.name) for p in (fast_sandbox.state_dir / "segment-logs").glob("*/*") if p.is_dir())
    keys = [datetime.fromtimestamp(d / 1000, tz=timezone.utc).date().isoformat() for d in landed_days]
    resources = {"warehouse": warehouse, **fast_sandbox.resources()}
    dg.materialize(build_extract_assets(), resources=resources,
                   tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
    syncs = build_sync_assets()
    first = dg.materialize([*build_model_assets(MODELS), *syncs], resources=resources)
    with duckdb.connect(warehouse.database) as conn:
        tickets = dict(conn.execute("select cast(ticket_id as varchar), priority from outbound_zendesk__tickets").fetchall())
        customers = dict(conn.execute("select customer_id, loop_tier from outbound_stripe__customers").fetchall())
    app_tickets = {str(t["id"]): t["priority"] for t in fast_sandbox.store().all("zendesk", "ticket")}
    assert tickets and all(app_tickets[k] == v for k, v in tickets.items())
    app_customers = {c["id"]: (c.get("metadata") or {}).get("loop_tier") for c in fast_sandbox.store().all("stripe", "customer")}
    assert customers and all(app_customers[k] == v for k, v in customers.items())
    sent = {a.key.path[-1]: first.asset_materializations_for_node(a.key.path[-1])[0].metadata["requests_sent"].value
            for a in syncs}
    assert all(n > 0 for n in sent.values()), sent
    again = dg.materialize(syncs, resources=resources)
    assert all(again.asset_materializations_for_node(a.key.path[-1])[0].metadata["requests_sent"].value == 0
               for a in syncs)
