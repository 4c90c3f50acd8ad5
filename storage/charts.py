"""The figures behind the charts: openings and wins per rep per day, and one rep's selling minutes per day
(on deals, on prospecting), each in one GROUP BY over a window through the (team, owner, …) indexes of
migration 0001 and the activities' (team, rep, day) index of 0002. Days are the database's UTC days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from storage.concentration import per_deal_and_day, selling_rows
from storage.db import Database
from storage.models import Opportunity
from storage.records import WON
from storage.reps import someone


@dataclass(frozen=True)
class DayCount:
    """One rep's openings or wins on one day."""

    user_id: str
    day: date
    count: int


def _day(value) -> date:
    """A day as either dialect returns func.date() (a date, or SQLite's 'YYYY-MM-DD')."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def openings_and_wins(
    db: Database, team_id: str, since: datetime, user_id: str | None = None
) -> tuple[list[DayCount], list[DayCount]]:
    """(openings, wins) per rep per day since `since`, for the workspace or one rep: two GROUP BYs."""
    opened_day, won_day = func.date(Opportunity.created_at), func.date(Opportunity.closed_at)
    opened = (
        select(Opportunity.owner_id, opened_day, func.count())
        .where(Opportunity.team_id == team_id, Opportunity.created_at >= since, someone(Opportunity.owner_id))
        .group_by(Opportunity.owner_id, opened_day)
    )
    won = (
        select(Opportunity.owner_id, won_day, func.count())
        .where(
            Opportunity.team_id == team_id,
            Opportunity.status == WON,
            Opportunity.closed_at >= since,
            someone(Opportunity.owner_id),
        )
        .group_by(Opportunity.owner_id, won_day)
    )
    if user_id is not None:
        opened, won = opened.where(Opportunity.owner_id == user_id), won.where(Opportunity.owner_id == user_id)
    with db.transaction() as session:
        return (
            [DayCount(owner, _day(day), int(count)) for owner, day, count in session.execute(opened)],
            [DayCount(owner, _day(day), int(count)) for owner, day, count in session.execute(won)],
        )


@dataclass(frozen=True)
class DayMinutes:
    """One rep's selling minutes on one day: on deals and on prospecting, logged and captured."""

    day: date
    on_deals: int
    prospecting: int


def selling_minutes_by_day(db: Database, team_id: str, user_id: str, since: date) -> list[DayMinutes]:
    """One rep's selling time per day since `since`. On a deal and a day an hour is counted once: the
    larger of what was logged by hand and what was captured (as storage/concentration.py counts it)."""
    rows = selling_rows(team_id, since, None, lambda column: column == user_id, "chart")
    per_deal_day = per_deal_and_day(rows, rows.c.day).order_by(rows.c.day)
    days: dict[date, list[int]] = {}
    with db.transaction() as session:
        for day, deal, logged, captured in session.execute(per_deal_day):
            found = days.setdefault(_day(day), [0, 0])
            if deal is None:
                found[1] += int(logged or 0) + int(captured or 0)
            else:
                found[0] += max(int(logged or 0), int(captured or 0))
    return [DayMinutes(day, deals, prospecting) for day, (deals, prospecting) in sorted(days.items())]
