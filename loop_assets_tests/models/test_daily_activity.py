"""The incremental per-user daily activity: a new day costs that day's work and ends where a rebuild ends."""

from loop_assets.transform.project import load_project
from loop_assets_tests.models.conftest import MODELS_DIR, Segment

MODEL = "int_user_daily_activity"
ORDERED = f"select * exclude (last_loaded_at), last_loaded_at from main.{MODEL} order by user_id, activity_day"


def _first_days(raw) -> Segment:
    segment = Segment(raw)
    for day in range(4, 9):
        segment.signed_in("usr_a", f"2026-03-{day:02d} 09:00")
        segment.feature("usr_a", f"2026-03-{day:02d} 09:30", "reports")
    segment.feature("usr_b", "2026-03-05 12:00", "alerts")
    segment.call("usr_b", "2026-03-05 12:01", type="identify", traits={"email": "b@x.io"})
    return segment


def _next_day(segment: Segment) -> None:
    segment.signed_in("usr_a", "2026-03-09 09:00")
    segment.feature("usr_a", "2026-03-09 09:10", "alerts")
    segment.feature("usr_a", "2026-03-09 09:20", "alerts")
    # An offline client: used on March 5th, received on March 9th.
    segment.feature("usr_b", "2026-03-05 18:00", "exports", received="2026-03-09 07:00")


def test_a_new_day_recomputes_only_the_user_days_its_calls_fall_on(raw):
    segment = _first_days(raw)
    raw.build(only=("stg_segment__events", MODEL))
    _next_day(segment)

    batch_sql = load_project(MODELS_DIR, vars={"as_of": "2026-03-10"}).compile(MODEL, is_incremental=True)
    batch = raw.rows(f"select user_id, activity_day::varchar as day, events, features from ({batch_sql}) order by 1, 2")
    assert batch == [
        {"user_id": "usr_a", "day": "2026-03-09", "events": 3, "features": ["alerts"]},
        # the late call's whole day is recomputed, with the call that was already there
        {"user_id": "usr_b", "day": "2026-03-05", "events": 2, "features": ["alerts", "exports"]},
    ]


def test_two_incremental_runs_match_a_full_rebuild(raw):
    segment = _first_days(raw)
    raw.build(only=("stg_segment__events", MODEL))
    _next_day(segment)
    raw.build(only=(MODEL,))
    incremental = raw.rows(ORDERED)

    with raw.connect() as con:
        con.execute(f"drop table main.{MODEL}")
    raw.build(only=(MODEL,))

    assert incremental == raw.rows(ORDERED)
    assert len(incremental) == 7  # usr_a on 6 days, usr_b on one
    [late_day] = [r for r in incremental if r["user_id"] == "usr_b"]
    assert (late_day["events"], late_day["feature_uses"], late_day["sign_ins"]) == (2, 2, 0)


def test_a_run_with_no_new_calls_changes_nothing(raw):
    _first_days(raw)
    raw.build(only=("stg_segment__events", MODEL))
    before = raw.rows(ORDERED)
    raw.build(only=(MODEL,))
    assert raw.rows(ORDERED) == before
