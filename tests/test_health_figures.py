"""The health report's figures, from plain aggregates to plain numbers: no Slack, no database."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.rules.health import HealthReport, health_figures
from storage.records import DealTime, HealthData, KindTotal, StalledDeal
from tests.figures import zeros

TODAY = date(2026, 11, 23)


def nothing(weeks: int = 53) -> HealthData:
    """A rep with nothing on record, over `weeks` weeks: every figure zero or empty."""
    return zeros(HealthData, opened_by_week=(0,) * weeks)


NOTHING = nothing()


def figures(data: HealthData = NOTHING, **changes) -> HealthReport:
    options = dict(
        today=TODAY,
        period="quarter",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        coverage_target=3.0,
        window_days=14,
        stalled_days=14,
    )
    options.update(changes)
    return health_figures(data, **options)


def weeks(*newest_first: int) -> tuple[int, ...]:
    return newest_first + (0,) * (53 - len(newest_first))


def test_a_rep_with_no_data_gets_zeros_and_no_ratios():
    report = figures()

    assert (report.open_count, report.open_value, report.coverage, report.win_rate_target) == (0, 0, None, None)
    assert (report.opened_this_week, report.average_opened, report.streak_weeks) == (0, 0.0, 0)
    assert (report.total_minutes, report.time_rows, report.other_count) == (0, (), 0)
    assert (report.top_deal, report.top_deal_share, report.effective_deals) == (None, 0.0, 0.0)
    assert (report.largest_share, report.value_verdict) == (0.0, "none")
    assert (report.prospecting_touches, report.prospecting_minutes, report.stalled_count) == (0, 0, 0)


def test_coverage_is_pipeline_closing_this_period_over_quota_still_to_win():
    data = replace(NOTHING, open_in_period=300_000, quota=250_000, won_in_period=50_000)
    report = figures(data)

    assert report.coverage == 1.5  # 300k ÷ (250k − 50k)
    assert report.quota_left == 200_000
    assert not report.coverage_met


def test_zero_quota_means_no_coverage_and_a_met_quota_means_upside():
    assert figures(replace(NOTHING, open_in_period=100, quota=0)).coverage is None
    met = figures(replace(NOTHING, open_in_period=100, quota=1000, won_in_period=1200))
    assert met.coverage == math.inf and met.coverage_met and met.quota_left == 0


def test_the_win_rate_target_appears_from_five_closed_deals():
    assert figures(replace(NOTHING, won_count=2, lost_count=2)).win_rate_target is None
    report = figures(replace(NOTHING, won_count=2, lost_count=3))
    assert (report.win_rate_target, report.closed_count) == (2.5, 5)  # won 2 of 5: 1 ÷ 0.4
    assert figures(replace(NOTHING, won_count=0, lost_count=9)).win_rate_target is None


def test_creation_compares_this_week_with_the_last_four_and_counts_the_streak():
    report = figures(replace(NOTHING, opened_by_week=weeks(2, 1, 3, 0, 2, 5)))

    assert (report.opened_this_week, report.average_opened) == (2, 1.5)  # (1 + 3 + 0 + 2) ÷ 4
    assert report.streak_weeks == 3


def test_a_quiet_monday_does_not_break_the_streak():
    report = figures(replace(NOTHING, opened_by_week=weeks(0, 1, 1, 1, 1)))
    assert (report.streak_weeks, report.streak_capped) == (4, False)
    assert figures(replace(NOTHING, opened_by_week=(1,) * 53)).streak_capped


def test_prospecting_sums_touches_and_minutes_across_kinds():
    kinds = (KindTotal("calls", 25, 120), KindTotal("emails", 12, 60), KindTotal("social", 0, 40))
    report = figures(replace(NOTHING, prospecting_this_week=kinds))
    assert (report.prospecting_touches, report.prospecting_minutes) == (37, 220)


def test_time_shares_and_concentration_with_prospecting_in_the_mix():
    time = (DealTime(None, None, 120), DealTime(1, "Acme", 360), DealTime(2, "Globex", 120))
    report = figures(replace(NOTHING, time_by_deal=time))

    assert report.total_minutes == 600
    assert [(row.label, row.minutes, row.share) for row in report.time_rows] == [
        ("Acme", 360, 0.6),
        ("Globex", 120, 0.2),
        ("Prospecting", 120, 0.2),
    ]
    assert (report.top_deal, report.top_deal_share) == ("Acme", 0.6)
    assert report.effective_deals == 1.6  # deal time 360 and 120: 480² ÷ (360² + 120²)


def test_a_single_entry_is_the_whole_picture():
    report = figures(replace(NOTHING, time_by_deal=(DealTime(7, "Acme", 45),)))
    assert [(row.label, row.share) for row in report.time_rows] == [("Acme", 1.0)]
    assert (report.top_deal_share, report.effective_deals) == (1.0, 1.0)


def test_all_time_on_prospecting_means_no_top_deal():
    report = figures(replace(NOTHING, time_by_deal=(DealTime(None, None, 300),)))
    assert [(row.label, row.share, row.opportunity_id) for row in report.time_rows] == [("Prospecting", 1.0, None)]
    assert (report.top_deal, report.top_deal_share, report.effective_deals) == (None, 0.0, 0.0)


def test_the_top_deal_tie_goes_to_the_lowest_id():
    time = (DealTime(9, "Zeta", 60), DealTime(4, "Beta", 60))
    assert figures(replace(NOTHING, time_by_deal=time)).top_deal == "Beta"


def test_many_deals_are_capped_with_an_others_line():
    time = tuple(DealTime(number, f"Deal {number:02}", 10 * number) for number in range(1, 13))  # 780 minutes
    report = figures(replace(NOTHING, time_by_deal=time), time_rows=8)

    assert [row.label for row in report.time_rows] == [f"Deal {number:02}" for number in range(12, 4, -1)]
    assert (report.other_count, report.other_minutes) == (4, 100)
    assert report.other_share == pytest.approx(100 / 780)
    assert report.effective_deals == pytest.approx(780**2 / sum((10 * n) ** 2 for n in range(1, 13)))


@pytest.mark.parametrize(
    ("largest", "total", "share", "verdict"),
    [(40, 100, 0.4, "warning"), (30, 100, 0.3, "watch"), (15, 100, 0.15, "healthy"), (100, 100, 1.0, "warning")],
)
def test_value_concentration_is_the_largest_deal_over_open_pipeline(largest, total, share, verdict):
    report = figures(replace(NOTHING, largest_open=largest, open_value=total))
    assert (report.largest_share, report.value_verdict) == (share, verdict)


def test_stalled_deals_pass_through_with_their_count():
    deal = StalledDeal(3, "Initech", 20_000, datetime(2026, 10, 14, tzinfo=UTC))
    report = figures(replace(NOTHING, stalled=(deal,), stalled_count=12), stalled_days=21)
    assert (report.stalled, report.stalled_count, report.stalled_days) == ((deal,), 12, 21)
