"""The whole team's figures for the manager view and the weekly digest: one GROUP BY per table."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select

from storage.concentration import last_prospecting_by_rep
from storage.db import Database
from storage.models import Activity, Opportunity, Quota
from storage.opportunities import view_of
from storage.records import OPEN, WON, RepFigures, WeekNews
from storage.reps import someone


def rep_figures(
    db: Database,
    team_id: str,
    week_start: datetime,
    previous_weeks: int,
    period_start: date,
    period_end: date,
    period_start_at: datetime,
    period_end_at: datetime,
    people: Collection[str] = (),
) -> list[RepFigures]:
    """Per rep with anything on record, and every one of `people` (storage/reps.py says who is a rep) even
    with nothing: creation this week and the weeks before, pipeline, quota, the last day they prospected
    (logged or captured)."""
    earlier = week_start - timedelta(weeks=previous_weeks)
    open_now = Opportunity.status == OPEN
    closing_in_period = and_(
        open_now, Opportunity.expected_close >= period_start, Opportunity.expected_close <= period_end
    )
    won_in_period = and_(
        Opportunity.status == WON, Opportunity.closed_at >= period_start_at, Opportunity.closed_at < period_end_at
    )
    amount = func.coalesce(Opportunity.amount, 0)
    deals = (
        select(
            Opportunity.owner_id.label("user_id"),
            func.count(case((Opportunity.created_at >= week_start, 1))).label("this_week"),
            func.count(case((and_(Opportunity.created_at >= earlier, Opportunity.created_at < week_start), 1))).label(
                "before"
            ),
            func.count(case((open_now, 1))).label("open_count"),
            func.sum(case((open_now, amount), else_=0)).label("open_value"),
            func.sum(case((closing_in_period, amount), else_=0)).label("open_in_period"),
            func.sum(case((won_in_period, amount), else_=0)).label("won_in_period"),
        )
        .where(Opportunity.team_id == team_id, someone(Opportunity.owner_id))
        .group_by(Opportunity.owner_id)
    )
    quotas = select(Quota.user_id, Quota.amount).where(Quota.team_id == team_id, Quota.period_start == period_start)
    with db.transaction() as session:
        deal_rows = {row.user_id: row for row in session.execute(deals)}
        quota_of = {row[0]: row[1] for row in session.execute(quotas)}
    last_prospecting = last_prospecting_by_rep(db, team_id)  # logged or captured
    everyone = sorted(set(deal_rows) | set(quota_of) | set(last_prospecting) | set(people))
    return [_figures(user, deal_rows.get(user), quota_of.get(user), last_prospecting.get(user)) for user in everyone]


def _figures(user_id: str, row, quota: int | None, last_prospecting: date | None) -> RepFigures:
    return RepFigures(
        user_id=user_id,
        opened_this_week=int(row.this_week) if row else 0,
        opened_previous_weeks=int(row.before) if row else 0,
        open_count=int(row.open_count) if row else 0,
        open_value=int(row.open_value or 0) if row else 0,
        open_in_period=int(row.open_in_period or 0) if row else 0,
        won_in_period=int(row.won_in_period or 0) if row else 0,
        quota=quota,
        last_prospecting_day=last_prospecting,
    )


def week_news(db: Database, team_id: str, start: datetime, end: datetime, limit: int) -> WeekNews:
    created = and_(Opportunity.team_id == team_id, Opportunity.created_at >= start, Opportunity.created_at < end)
    won = and_(
        Opportunity.team_id == team_id,
        Opportunity.status == WON,
        Opportunity.closed_at >= start,
        Opportunity.closed_at < end,
    )
    before = and_(
        Opportunity.team_id == team_id,
        Opportunity.created_at >= start - timedelta(weeks=1),
        Opportunity.created_at < start,
    )
    person = someone(Opportunity.owner_id)
    with db.transaction() as session:
        opened_rows = session.scalars(
            select(Opportunity).where(created).order_by(Opportunity.owner_id, Opportunity.id).limit(limit)
        ).all()
        won_rows = session.scalars(select(Opportunity).where(won).order_by(Opportunity.closed_at).limit(limit)).all()
        return WeekNews(
            opened=[view_of(row) for row in opened_rows],
            opened_total=session.scalar(select(func.count()).where(created)) or 0,
            won=[view_of(row) for row in won_rows],
            won_total=session.scalar(select(func.count()).where(won)) or 0,
            openers=set(session.scalars(select(Opportunity.owner_id).where(created, person).distinct())),
            openers_week_before=set(session.scalars(select(Opportunity.owner_id).where(before, person).distinct())),
        )


def first_entry_at(db: Database, team_id: str) -> datetime | None:
    """When the workspace's first deal was opened or time logged: nothing to report before that."""
    with db.transaction() as session:
        opened = session.scalar(select(func.min(Opportunity.created_at)).where(Opportunity.team_id == team_id))
        logged = session.scalar(select(func.min(Activity.created_at)).where(Activity.team_id == team_id))
    found = [moment for moment in (opened, logged) if moment is not None]
    return min(found) if found else None
