"""The plain records every layer passes around: what a rep entered, and what storage hands back.

No SQLAlchemy here, so parsing, rules and Block Kit builders can use them without touching a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

OPEN, WON, LOST = "open", "won", "lost"
DEAL = "deal"  # the kind of an activity that is work on a deal; every other kind is prospecting


@dataclass(frozen=True)
class RepRecord:
    """A rep's row as a record: its id, its workspace and its rep first, as every RepRow model starts."""

    id: int
    team_id: str
    user_id: str


@dataclass(frozen=True)
class OpportunityView:
    id: int
    team_id: str
    owner_id: str
    name: str
    account: str | None
    amount: int | None
    stage: str
    status: str
    expected_close: date | None
    next_step: str | None
    created_at: datetime
    last_change_at: datetime
    closed_at: datetime | None = None
    lost_reason: str | None = None
    paused_at: datetime | None = None  # the rep stepped back at a checkpoint: open, not stalled


@dataclass(frozen=True)
class NewOpportunity:
    """What a rep typed or entered in the modal, already validated."""

    name: str
    stage: str
    account: str | None = None
    amount: int | None = None
    expected_close: date | None = None
    next_step: str | None = None


@dataclass(frozen=True)
class StageMove:
    opportunity: OpportunityView
    from_stage: str
    to_stage: str


class NotOpen(Exception):
    """The opportunity was closed (or is not the rep's) by the time the change arrived."""


@dataclass(frozen=True)
class NewActivity:
    """One entry a rep typed or submitted, already validated.

    Deal work has kind "deal" and an opportunity_id; prospecting has a prospecting kind, touches = the
    count, and minutes that may be 0.
    """

    kind: str
    occurred_on: date
    minutes: int = 0
    touches: int = 0
    opportunity_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class ActivityView(RepRecord):
    kind: str
    opportunity_id: int | None
    opportunity_name: str | None
    touches: int
    minutes: int
    occurred_on: date
    note: str | None
    created_at: datetime


# --- obstacles: what stands between a deal and a decision -----------------------------------------

OBSTACLE_KINDS = ("budget", "politics", "timing", "competing priority", "other")


@dataclass(frozen=True)
class ObstacleView(RepRecord):
    """The open obstacle on a deal (closed_at None), or one from its history."""

    opportunity_id: int
    opportunity_name: str
    kind: str
    note: str | None
    checkpoint: date | None
    named_at: datetime
    closed_at: datetime | None = None
    outcome: str | None = None
    paused: bool = False
    not_yets: int = 0
    detach_on: date | None = None
    detach_condition: str | None = None


@dataclass(frozen=True)
class NewObstacle:
    """What a rep named on a deal, already validated: its kind (None clears it), a note, a checkpoint."""

    kind: str | None
    note: str | None = None
    checkpoint: date | None = None


# --- selling time across a workspace, for the nudge ---------------------------------------------


@dataclass(frozen=True)
class RepSellingTime:
    """One rep's logged minutes over a window: in all, on prospecting, and on their top deal."""

    user_id: str
    total_minutes: int
    prospecting_minutes: int
    top_opportunity_id: int | None
    top_opportunity_name: str | None
    top_opportunity_minutes: int
    captured_minutes: int = 0  # of total_minutes, captured from a calendar or CRM
    top_captured_minutes: int = 0  # of top_opportunity_minutes


# --- one rep's health report: its window and the aggregates storage returns -------------------


@dataclass(frozen=True)
class HealthWindow:
    """The dates and instants one report is measured over, worked out by the caller in the team's zone.

    week_starts are the UTC instants of Monday 00:00 for this week and the weeks before it, newest first.
    """

    today: date
    period_start: date
    period_end: date
    period_start_at: datetime
    period_end_at: datetime
    week_starts: tuple[datetime, ...]
    week_first_day: date
    time_since: date
    stalled_before: datetime
    stalled_quiet_since: date
    closed_since: datetime  # the closed deals the win rate counts: those closed since


@dataclass(frozen=True)
class KindTotal:
    kind: str
    touches: int
    minutes: int


@dataclass(frozen=True)
class DealTime:
    """Minutes on one opportunity in the window (hand-logged and captured, each hour once); opportunity_id
    None is prospecting."""

    opportunity_id: int | None
    name: str | None
    minutes: int
    captured_minutes: int = 0  # of minutes, captured from a calendar or CRM


@dataclass(frozen=True)
class StalledDeal:
    id: int
    name: str
    amount: int | None
    last_change_at: datetime


@dataclass(frozen=True)
class HealthData:
    """Exactly the aggregates the health figures need for one rep; no raw rows."""

    open_count: int
    open_value: int
    largest_open: int
    open_in_period: int
    won_in_period: int
    won_count: int
    lost_count: int
    quota: int | None
    opened_by_week: tuple[int, ...]
    prospecting_this_week: tuple[KindTotal, ...]
    time_by_deal: tuple[DealTime, ...]
    stalled: tuple[StalledDeal, ...]
    stalled_count: int
    unplaced_meetings: int = 0  # captured meetings still waiting for the rep to say where they go
    unplaced_minutes: int = 0


# --- the team: per-rep figures and a week's news ------------------------------------------------


@dataclass(frozen=True)
class RepFigures:
    user_id: str
    opened_this_week: int
    opened_previous_weeks: int
    open_count: int
    open_value: int
    open_in_period: int
    won_in_period: int
    quota: int | None
    last_prospecting_day: date | None


@dataclass(frozen=True)
class WeekNews:
    """What happened in one week, for the digest: capped lists plus the true totals."""

    opened: list
    opened_total: int
    won: list
    won_total: int
    openers: set[str]
    openers_week_before: set[str]
