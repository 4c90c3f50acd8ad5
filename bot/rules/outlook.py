"""What lies ahead of a rep's number: whether it rides on one deal, and how many new opportunities next
period's quota needs each week against the pace they open them now. Plain numbers in and out."""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import date, datetime, timedelta

from bot.rules.openings import OpeningGap
from bot.rules.periods import local_now
from bot.rules.timing import WorkingHours, is_working_day, next_working_day
from bot.rules.walkaway import Signal
from storage.outlook import ClosedSums
from storage.records import ObstacleView, OpportunityView

YOURS, TEAM = "yours", "team"
NO_HISTORY, NO_QUOTA = "not enough history", "no quota"


@dataclass(frozen=True)
class NumberDependency:
    """The largest open deal expected to close this period, as a share of the quota still to win."""

    deal_id: int
    deal_name: str
    amount: int
    quota_left: int
    share: float
    flagged: bool


def number_dependency(
    deal: tuple[int, str, int] | None, quota: int | None, won_in_period: int, threshold: float
) -> NumberDependency | None:
    """(id, name, amount) of the largest open deal closing this period, against the quota still to win.

    None when there is nothing to measure: no quota, the quota already met, or no such deal with an amount.
    Flagged when the share is strictly above the threshold (a deal worth more than all that is left is 100%+).
    """
    if not quota or deal is None or deal[2] <= 0:
        return None
    left = quota - won_in_period
    if left <= 0:
        return None
    share = deal[2] / left
    return NumberDependency(deal[0], deal[1], deal[2], left, share, share > threshold)


@dataclass(frozen=True)
class History(ClosedSums):
    """Closed deals' sums (storage/outlook.py), which a team's reps add up and the rules divide."""

    @property
    def closed(self) -> int:
        return self.won + self.lost

    def __add__(self, other: ClosedSums) -> History:
        return History(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class OpeningPace:
    """The weekly opening pace next period's quota needs, each input kept so it can be shown in one line.

    `missing` says why there is no needed pace (NO_HISTORY, NO_QUOTA); the current pace is always there.
    """

    current_per_week: float
    pace_weeks: int
    source: str | None = None
    closed: int = 0
    win_rate: float | None = None
    average_won: float | None = None
    average_days_to_win: float | None = None
    quota: int | None = None
    quota_is_next: bool = True
    needed_openings: float | None = None
    needed_per_week: float | None = None
    open_from: date | None = None
    missing: str | None = None
    implausible: int = 0
    next_started: bool = False  # open_from is past: next period is already being decided by what is open

    @property
    def behind(self) -> bool:
        return self.needed_per_week is not None and self.current_per_week < self.needed_per_week


def history_to_use(own: History, team: History | None, min_closed: int) -> tuple[History | None, str | None]:
    """The rep's own history once they have closed min_closed deals, else the team's (if it has), else None."""
    if own.closed >= min_closed:
        return own, YOURS
    if team is not None and team.closed >= min_closed:
        return team, TEAM
    return None, None


def opening_pace(
    history: History | None,
    source: str | None,
    quota: int | None,
    quota_is_next: bool,
    next_start: date,
    next_end: date,
    opened_recently: int,
    pace_weeks: int,
    today: date | None = None,
) -> OpeningPace:
    """Openings needed = quota ÷ (average won amount × win rate), spread over the period's weeks.

    A deal takes on average `average_days_to_win` from open to won, so next period's deals are opened from
    next_start minus that many days (`open_from`); when that day is past (`today`), next period is already
    being decided by what is open now (`next_started`). No made-up numbers: without a history that has a win
    with an amount, or without a quota, the needed pace is None and `missing` says why.
    """
    current = opened_recently / pace_weeks if pace_weeks > 0 else 0.0
    base = OpeningPace(
        current_per_week=current,
        pace_weeks=pace_weeks,
        quota=quota or None,
        quota_is_next=quota_is_next,
        implausible=history.implausible if history else 0,
    )
    if history is None or history.won <= 0 or history.won_with_amount <= 0 or history.won_amount <= 0:
        return replace(base, missing=NO_HISTORY, source=source, closed=history.closed if history else 0)
    win_rate = history.won / history.closed
    average_won = history.won_amount / history.won_with_amount
    days = history.won_days / history.won
    open_from = next_start - timedelta(days=round(days))
    filled = replace(
        base,
        source=source,
        closed=history.closed,
        win_rate=win_rate,
        average_won=average_won,
        average_days_to_win=days,
        open_from=open_from,
        next_started=today is not None and open_from < today,
    )
    if not quota:
        return replace(filled, missing=NO_QUOTA)
    needed = quota / (average_won * win_rate)
    weeks = ((next_end - next_start).days + 1) / 7
    return replace(filled, needed_openings=needed, needed_per_week=needed / weeks)


def standing_days(since: datetime, now: datetime, tz_name: str | None = "UTC") -> int:
    """Calendar days an obstacle has stood in the rep's zone: 0 on the day it was named, 1 the day after
    (named last night, it has stood since yesterday, however few hours ago that was)."""
    return max((local_now(now, tz_name).date() - local_now(since, tz_name).date()).days, 0)


def checkpoint_ask_day(checkpoint: date, hours: WorkingHours) -> date:
    """The day a checkpoint is asked about: the checkpoint itself if it is a working day (not a public
    holiday either), else the next one."""
    return checkpoint if is_working_day(checkpoint, hours) else next_working_day(checkpoint, hours)


@dataclass(frozen=True)
class RepOutlook:
    """What the Home tab and the health report show of a rep's outlook: the number, the pace, the obstacles."""

    number: NumberDependency | None
    threshold: float
    pace: OpeningPace
    period: str
    obstacles: tuple[ObstacleView, ...]
    gap: OpeningGap | None = None  # the real gap in openings, when it can be measured
    signals: tuple[Signal, ...] = ()  # walk-away signals on the rep's open deals, with their evidence


@dataclass(frozen=True)
class TeamCreation:
    """The team's openings for the leaders: last week's, the quiet reps, the pace, the early deals."""

    opened_last_week: int
    openers_last_week: int
    reps: int
    quiet: int
    quiet_days: int
    pace: OpeningPace
    period: str
    early: tuple[OpportunityView, ...]
    early_total: int
    early_stages: tuple[str, ...]
    opened_by: tuple[tuple[str, int], ...] = ()  # (rep, openings last week), most first: the leader's DM credits them
