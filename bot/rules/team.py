"""The team picture for managers and the weekly digest: plain figures from per-rep aggregates.

Nothing here shames anyone: the digest names people only to celebrate them, and the manager view
never carries reflection answers or the reasons a rep gave for focusing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.rules.figures import coverage
from bot.rules.outlook import TeamCreation
from storage.records import RepFigures

AVERAGE_WEEKS = 4


@dataclass(frozen=True)
class TeamRow:
    user_id: str
    opened_this_week: int
    average_opened: float
    open_count: int
    open_value: int
    coverage: float | None
    concentrated: bool
    days_since_prospecting: int | None


def team_rows(figures: Sequence[RepFigures], concentrated: set[str], today: date) -> list[TeamRow]:
    """One row per rep, most openings this week first (then by name), so creation leads the page."""
    rows = [
        TeamRow(
            user_id=rep.user_id,
            opened_this_week=rep.opened_this_week,
            average_opened=rep.opened_previous_weeks / AVERAGE_WEEKS,
            open_count=rep.open_count,
            open_value=rep.open_value,
            coverage=coverage(rep.open_in_period, rep.quota, rep.won_in_period),
            concentrated=rep.user_id in concentrated,
            days_since_prospecting=(today - rep.last_prospecting_day).days if rep.last_prospecting_day else None,
        )
        for rep in figures
    ]
    return sorted(rows, key=lambda row: (-row.opened_this_week, row.user_id))


def team_coverage(figures: Sequence[RepFigures]) -> float | None:
    """Open pipeline closing this period ÷ quota still to win, summed over reps who have a quota."""
    with_quota = [rep for rep in figures if rep.quota]
    if not with_quota:
        return None
    still_to_win = sum(max(rep.quota - rep.won_in_period, 0) for rep in with_quota)
    pipeline = sum(rep.open_in_period for rep in with_quota)
    return coverage(pipeline, still_to_win, 0) if still_to_win else float("inf")


def creation_to_capture(opened: int, won: int) -> float | None:
    """Opened ÷ won: how many openings it takes to land a win. None when nothing was won."""
    return opened / won if won else None


def streak_keepers(opened_last_week: set[str], opened_week_before: set[str]) -> int:
    """Reps who opened at least one opportunity in each of the last two weeks."""
    return len(opened_last_week & opened_week_before)


@dataclass(frozen=True)
class TeamView:
    """What a manager sees of the team (`/opportunity team`, and the top of their Home)."""

    rows: list[TeamRow]
    coverage: float | None
    creation: TeamCreation | None = None
