"""The weekly figures a chart draws: openings per week per rep (the most active named, the rest together),
wins beneath, and for one rep where their selling time went. Pure: day counts in, weeks out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rules.periods import week_start

CHART_WEEKS = 12
NAMED_IN_CHART = 6  # reps drawn apart in the leaders' chart; the others share one colour
OTHERS = "*others"


@dataclass(frozen=True)
class WeeklyChart:
    """Week by week (each a Monday): openings per rep (most first; OTHERS for the rest), wins, and hours."""

    weeks: tuple[date, ...]
    opened: tuple[tuple[str, tuple[int, ...]], ...]
    won: tuple[int, ...]
    others: int = 0  # how many reps OTHERS stands for
    deal_hours: tuple[float, ...] = ()
    prospecting_hours: tuple[float, ...] = ()


def chart_weeks(today: date, count: int = CHART_WEEKS, this_week: bool = False) -> tuple[date, ...]:
    """The Mondays of the last `count` weeks: the whole weeks before today's (and today's too if asked)."""
    last = week_start(today) - timedelta(weeks=0 if this_week else 1)
    return tuple(last - timedelta(weeks=back) for back in reversed(range(count)))


def _per_week(weeks: Sequence[date], items: Iterable[tuple[date, float]]) -> list[float]:
    index = {monday: place for place, monday in enumerate(weeks)}
    totals = [0.0] * len(weeks)
    for day, amount in items:
        place = index.get(week_start(day))
        if place is not None:
            totals[place] += amount
    return totals


def weekly_openings(opened, won, weeks: Sequence[date], named: int = NAMED_IN_CHART) -> WeeklyChart:
    """Day counts (storage/charts.py: DayCount) into weeks: the `named` reps with most openings drawn
    apart (ties by id), the rest as OTHERS; wins for everyone together."""
    by_rep: dict[str, list[float]] = {}
    for rep in {item.user_id for item in opened}:
        by_rep[rep] = _per_week(weeks, ((item.day, item.count) for item in opened if item.user_id == rep))
    ranked = sorted(((rep, counts) for rep, counts in by_rep.items() if sum(counts)), key=lambda x: (-sum(x[1]), x[0]))
    series = [(rep, tuple(int(n) for n in counts)) for rep, counts in ranked[:named]]
    rest = ranked[named:]
    if rest:
        series.append((OTHERS, tuple(int(sum(column)) for column in zip(*(counts for _, counts in rest), strict=True))))
    wins = tuple(int(n) for n in _per_week(weeks, ((item.day, item.count) for item in won)))
    return WeeklyChart(tuple(weeks), tuple(series), wins, len(rest))


def with_hours(chart: WeeklyChart, minutes) -> WeeklyChart:
    """The chart with one rep's selling hours per week (storage/charts.py: DayMinutes)."""
    deals = _per_week(chart.weeks, ((item.day, item.on_deals / 60) for item in minutes))
    prospecting = _per_week(chart.weeks, ((item.day, item.prospecting / 60) for item in minutes))
    return WeeklyChart(
        chart.weeks,
        chart.opened,
        chart.won,
        chart.others,
        tuple(round(hours, 1) for hours in deals),
        tuple(round(hours, 1) for hours in prospecting),
    )
