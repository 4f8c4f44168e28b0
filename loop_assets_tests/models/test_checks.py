"""The whole model project as Dagster assets with its YAML tests as checks, on the two hand-made companies."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from loop_assets.checks.assets import build_model_checks
from loop_assets.transform.assets import build_model_assets
from loop_assets.transform.project import load_project
from loop_assets_tests.models.conftest import AS_OF, MODELS_DIR

MARTS = {"accounts", "identity_links", "unmatched_identities", "account_priority", "ticket_priority"}


def test_every_model_builds_and_every_yaml_test_passes_in_one_run(two_companies):
    vars = {"as_of": AS_OF}
    checks = build_model_checks(MODELS_DIR, vars=vars)
    result = dg.materialize(
        [*build_model_assets(MODELS_DIR, vars=vars), *checks],
        resources={"warehouse": DuckDBResource(database=str(two_companies.path))},
        raise_on_error=False,
    )

    assert result.success
    evaluations = result.get_asset_check_evaluations()
    failed = {f"{e.asset_key.to_user_string()}:{e.check_name}": e.metadata for e in evaluations if not e.passed}
    assert failed == {}
    checked = {e.asset_key.to_user_string() for e in evaluations}
    assert MARTS <= checked
    blocking = {spec.asset_key.to_user_string() for c in checks for spec in c.check_specs if spec.blocking}
    models = load_project(MODELS_DIR, vars=vars).models.values()
    assert MARTS <= blocking
    assert not blocking & {m.name for m in models if m.layer in ("staging", "intermediate")}
    assert len(evaluations) > 80
