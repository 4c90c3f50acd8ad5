"""The pipeline health report's figures: a plain function from one rep's aggregates to every number they
see with `/opportunity health` and on Home, and the window of dates those aggregates cover."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.rules.figures import (
    TimeSlice,
    coverage,
    creation_vs_average,
    effective_count,
    time_shares,
    value_concentration_verdict,
    weekly_streak,
    win_rate_target,
)
from bot.rules.periods import local_midnight, local_now, period_bounds, week_start
from storage.records import HealthData, HealthWindow, KindTotal, StalledDeal
from storage.rows import read_row

# Win rates, average wins and days to win are taken from the deals closed in the last this many days (the
# health report's and the outlook's alike): how the team sells now, and reads that follow the window, not
# years of history.
CLOSED_LOOKBACK_DAYS = 730

STREAK_WEEKS = 52  # Weeks looked back for the streak, besides this one; a longer streak shows as "52+".
AVERAGE_WEEKS = 4
TIME_ROWS = 8
PROSPECTING = "Prospecting"


@dataclass(frozen=True)
class TimeShare:
    label: str
    minutes: int
    share: float
    opportunity_id: int | None


@dataclass(frozen=True)
class HealthReport:
    """Every figure of one rep's report, ready to render."""

    today: date
    period: str
    period_start: date
    period_end: date
    # Open pipeline and coverage.
    open_count: int
    open_value: int
    open_in_period: int
    quota: int | None
    won_in_period: int
    coverage: float | None  # None: no quota; math.inf: quota met.
    coverage_target: float
    win_rate_target: float | None  # 1 ÷ win rate, once at least 5 deals have closed.
    closed_count: int
    # Creation.
    opened_this_week: int
    average_opened: float
    streak_weeks: int
    streak_capped: bool
    # Prospecting this week.
    prospecting: tuple[KindTotal, ...]
    prospecting_touches: int
    prospecting_minutes: int
    # Where the time went.
    window_days: int
    total_minutes: int
    time_rows: tuple[TimeShare, ...]
    other_minutes: int
    other_share: float
    other_count: int
    # Concentration.
    top_deal: str | None
    top_deal_share: float
    effective_deals: float
    largest_open: int
    largest_share: float
    value_verdict: str
    # Stalled deals.
    stalled_days: int
    stalled: tuple[StalledDeal, ...]
    stalled_count: int
    # How the time was known: captured from a calendar or CRM, logged by hand, or captured and unplaced.
    captured_minutes: int = 0
    unplaced_meetings: int = 0
    unplaced_minutes: int = 0

    @property
    def hand_logged_minutes(self) -> int:
        return max(self.total_minutes - self.captured_minutes, 0)

    @property
    def coverage_met(self) -> bool:
        return self.coverage is not None and math.isinf(self.coverage)

    @property
    def quota_left(self) -> int:
        return max((self.quota or 0) - self.won_in_period, 0)


def health_figures(
    data: HealthData,
    *,
    today: date,
    period: str,
    period_start: date,
    period_end: date,
    coverage_target: float,
    window_days: int,
    stalled_days: int,
    time_rows: int = TIME_ROWS,
) -> HealthReport:
    """The report's figures from one rep's aggregates; no I/O, no clock."""
    weeks = data.opened_by_week
    this_week, average = creation_vs_average(weeks[0] if weeks else 0, weeks[1 : 1 + AVERAGE_WEEKS])
    streak = weekly_streak(weeks)

    slices = [
        TimeSlice(label=item.name or PROSPECTING, minutes=item.minutes, opportunity_id=item.opportunity_id)
        for item in data.time_by_deal
    ]
    shares = time_shares(slices)
    total = sum(piece.minutes for piece in slices)
    shown = [TimeShare(piece.label, piece.minutes, share, piece.opportunity_id) for piece, share in shares]
    rest = shown[time_rows:]
    deal_minutes = [piece.minutes for piece in slices if piece.opportunity_id is not None]
    top = max(
        (piece for piece in slices if piece.opportunity_id is not None),
        key=lambda piece: (piece.minutes, -piece.opportunity_id),
        default=None,
    )

    # The figures the data already holds (open pipeline, quota, largest deal, stalled) keep their names.
    return read_row(
        HealthReport,
        data,
        today=today,
        period=period,
        period_start=period_start,
        period_end=period_end,
        coverage=coverage(data.open_in_period, data.quota, data.won_in_period),
        coverage_target=coverage_target,
        win_rate_target=win_rate_target(data.won_count, data.lost_count),
        closed_count=data.won_count + data.lost_count,
        opened_this_week=this_week,
        average_opened=average,
        streak_weeks=streak,
        streak_capped=streak >= STREAK_WEEKS,
        prospecting=data.prospecting_this_week,
        prospecting_touches=sum(item.touches for item in data.prospecting_this_week),
        prospecting_minutes=sum(item.minutes for item in data.prospecting_this_week),
        window_days=window_days,
        total_minutes=total,
        time_rows=tuple(shown[:time_rows]),
        other_minutes=sum(item.minutes for item in rest),
        other_share=sum(item.share for item in rest),
        other_count=len(rest),
        top_deal=top.label if top else None,
        top_deal_share=top.minutes / total if top else 0.0,
        effective_deals=effective_count(deal_minutes),
        largest_share=data.largest_open / data.open_value if data.open_value else 0.0,
        value_verdict=value_concentration_verdict(data.largest_open, data.open_value),
        stalled_days=stalled_days,
        captured_minutes=sum(item.captured_minutes for item in data.time_by_deal),
    )


def health_window(
    now: datetime,
    team_timezone: str,
    quota_period: str,
    quarter_start_month: int,
    health_window_days: int,
    stalled_days: int,
    first_weekday: int = 0,
) -> HealthWindow:
    """The dates and instants one report is measured over, in the team's time zone (weeks starting on
    `first_weekday`, Monday by default)."""
    today = local_now(now, team_timezone).date()
    start, end = period_bounds(today, quota_period, quarter_start_month)
    monday = week_start(today, first_weekday)
    return HealthWindow(
        today=today,
        period_start=start,
        period_end=end,
        period_start_at=local_midnight(start, team_timezone),
        period_end_at=local_midnight(end + timedelta(days=1), team_timezone),
        week_starts=tuple(
            local_midnight(monday - timedelta(weeks=back), team_timezone) for back in range(STREAK_WEEKS + 1)
        ),
        week_first_day=monday,
        time_since=today - timedelta(days=health_window_days - 1),
        stalled_before=now - timedelta(days=stalled_days),
        stalled_quiet_since=today - timedelta(days=stalled_days - 1),
        closed_since=now - timedelta(days=CLOSED_LOOKBACK_DAYS),
    )
