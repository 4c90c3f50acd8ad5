"""Pipeline figures: shares of time, concentration, coverage, win rate, streaks. Plain numbers in and out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import takewhile


@dataclass(frozen=True)
class TimeSlice:
    """Selling time logged against one opportunity over a window; no opportunity means prospecting."""

    label: str
    minutes: int
    opportunity_id: int | None


def time_shares(slices: Sequence[TimeSlice]) -> list[tuple[TimeSlice, float]]:
    """Each slice with its share of all logged time, largest first (ties by label) so reports read top-down.

    Empty when nothing was logged: there are no shares of zero minutes.
    """
    total = sum(piece.minutes for piece in slices)
    if not total:
        return []
    ordered = sorted(slices, key=lambda piece: (-piece.minutes, piece.label))
    return [(piece, piece.minutes / total) for piece in ordered]


def effective_count(values: Sequence[float]) -> float:
    """How many equal-sized items the values are worth: the inverse Herfindahl index 1 / Σ share².

    Ten deals where one holds 90% of the value are worth about 1.2 deals, not 10. Computed as
    total² / Σ value² (the same quantity) so whole-number inputs give exact results. 0.0 for nothing.
    """
    squares = sum(value * value for value in values)
    return sum(values) ** 2 / squares if squares else 0.0


def top_share(values: Sequence[float]) -> float:
    """The largest value's share of the sum: how much rides on a single item. 0.0 when the sum is 0."""
    total = sum(values)
    return max(values) / total if total else 0.0


def coverage(open_pipeline_in_period: int, quota: int | None, won_in_period: int) -> float | None:
    """Pipeline coverage: open pipeline expected to close this period ÷ quota still to win.

    None when there is no quota (None or 0), since there is nothing to cover. Once the quota is met
    the ratio is math.inf — callers should show "quota met" rather than a number.
    """
    if not quota:
        return None
    remaining = quota - won_in_period
    return open_pipeline_in_period / remaining if remaining > 0 else math.inf


def win_rate_target(won: int, lost: int, min_closed: int = 5) -> float | None:
    """Opportunities needed per win (1 ÷ win rate), the multiplier a coverage target should use.

    None until at least min_closed deals have closed, because a rate from a couple of deals is noise.
    Also None with 0 wins: the rate is 0 and no amount of pipeline would be "enough".
    """
    closed = won + lost
    if closed < min_closed or won <= 0:
        return None
    return closed / won


def value_concentration_verdict(largest: int, total: int) -> str:
    """Whether one deal holds too much of the pipeline value.

    "warning" above 30%, "watch" above 15% up to 30%, "healthy" at or below 15%, "none" with no value.
    """
    if not total:
        return "none"
    share = largest / total
    if share > 0.30:
        return "warning"
    return "healthy" if share <= 0.15 else "watch"


def weekly_streak(week_counts_newest_first: Sequence[int]) -> int:
    """Consecutive weeks, newest first, in which the rep opened at least one opportunity.

    The newest entry is the current, unfinished week: while it is still 0 the streak is counted from
    the previous week, so a streak doesn't look broken on Monday morning. It breaks only once a whole
    week has passed with nothing opened.
    """
    counts = week_counts_newest_first
    if counts and counts[0] == 0:
        counts = counts[1:]
    return len(list(takewhile(lambda count: count >= 1, counts)))


def creation_vs_average(this_week: int, previous_weeks: Sequence[int]) -> tuple[int, float]:
    """This week's count beside the average of the previous weeks given (0.0 when none are given)."""
    average = sum(previous_weeks) / len(previous_weeks) if previous_weeks else 0.0
    return this_week, average
