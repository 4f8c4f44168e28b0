"""The loop end to end on sandbox data: extracts, every model and every check, through real Dagster runs."""

import dagster as dg

from loop_assets.definitions import defs
from loop_assets.extract.assets import segment_days
from loop_assets_tests.extract.test_extract import segment_partitions

OPEN = ("new", "open", "pending", "hold")


def test_sandbox_data_flows_from_apps_through_models_to_passing_checks(sandbox, warehouse):
    graph = defs.resolve_asset_graph()
    resources = {"warehouse": warehouse, **sandbox.resources()}
    partitioned = [a for a in defs.assets if getattr(a, "partitions_def", None) == segment_days]
    days = segment_partitions(sandbox)
    dg.materialize(partitioned, resources=resources, tags={
        "dagster/asset_partition_range_start": days[0], "dagster/asset_partition_range_end": days[-1]})
    rest = [a for a in defs.assets if a not in partitioned and a.group_names_by_key and
            "sync" not in set(a.group_names_by_key.values())]
    result = dg.materialize([*rest, *defs.asset_checks], resources=resources,
                            selection=dg.AssetSelection.all() - dg.AssetSelection.keys(*[a.key for a in partitioned]))
    assert result.success
    failed = [e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations() if not e.passed]
    blocking = [k for k in failed if graph.get_check_spec(dg.AssetCheckKey.from_user_string(k)).blocking]
    assert blocking == []

    open_tickets = {t["id"] for t in sandbox.store().all("zendesk", "ticket") if t["status"] in OPEN}
    with warehouse.get_connection() as conn:
        prioritized = {r[0] for r in conn.execute("select ticket_id from main.ticket_priority").fetchall()}
        tiers = dict(conn.execute("select tier, count(*) from main.account_priority group by 1").fetchall())
        customers = conn.execute("select count(*) from main.account_priority").fetchone()[0]
    assert prioritized == open_tickets
    assert set(tiers) <= {"strategic", "high", "normal", "low"} and len(tiers) >= 3
    assert customers == sandbox.store().count("stripe", "customer")
