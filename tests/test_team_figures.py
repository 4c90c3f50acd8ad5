"""The team's figures as plain numbers: creation first, coverage summed honestly, nobody shamed."""

from __future__ import annotations

import math
from datetime import date

from bot.rules.team import creation_to_capture, streak_keepers, team_coverage, team_rows
from storage.records import RepFigures
from tests.figures import zeros

TODAY = date(2026, 11, 23)


def rep(user: str, **figures) -> RepFigures:
    return zeros(RepFigures, user_id=user, **figures)


def test_reps_who_opened_the_most_this_week_lead_the_team_view():
    rows = team_rows(
        [rep("U1", opened_this_week=1), rep("U2", opened_this_week=3), rep("U3", opened_this_week=1)],
        concentrated={"U3"},
        today=TODAY,
    )
    assert [row.user_id for row in rows] == ["U2", "U1", "U3"]
    assert [row.concentrated for row in rows] == [False, False, True]


def test_the_four_week_average_and_coverage_per_rep():
    [row] = team_rows(
        [rep("U1", opened_previous_weeks=6, open_in_period=300_000, quota=250_000, won_in_period=150_000)],
        set(),
        TODAY,
    )
    assert row.average_opened == 1.5
    assert row.coverage == 3.0


def test_days_since_prospecting_is_counted_from_today_or_unknown():
    rows = team_rows([rep("U1", last_prospecting_day=date(2026, 11, 20)), rep("U2")], set(), TODAY)
    assert {row.user_id: row.days_since_prospecting for row in rows} == {"U1": 3, "U2": None}


def test_team_coverage_sums_pipeline_over_quota_still_to_win():
    figures = [
        rep("U1", open_in_period=200_000, quota=100_000, won_in_period=50_000),
        rep("U2", open_in_period=100_000, quota=100_000),
        rep("U3", open_in_period=999_999),  # no quota: left out of both sides
    ]
    assert team_coverage(figures) == 2.0


def test_team_coverage_without_quotas_is_unknown_and_met_quotas_are_met():
    assert team_coverage([rep("U1", open_in_period=5)]) is None
    assert math.isinf(team_coverage([rep("U1", quota=10, won_in_period=10)]))


def test_creation_to_capture_is_openings_per_win():
    assert creation_to_capture(12, 2) == 6.0
    assert creation_to_capture(5, 0) is None


def test_a_streak_is_kept_by_reps_who_opened_in_both_weeks():
    assert streak_keepers({"U1", "U2", "U3"}, {"U2", "U3", "U4"}) == 2
    assert streak_keepers(set(), {"U1"}) == 0
