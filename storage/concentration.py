"""Selling time across a whole workspace, for the nudge, reflections and the manager view: one SQL pass
for every rep's minutes over a window (in all, on prospecting, on their top deal), one GROUP BY for when
each rep last opened a deal. The (team, day) index of migration 0002 keeps it to the window's rows."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, select, true, union_all

from storage.db import Database
from storage.models import Activity, CapturedTime, Opportunity, Rep
from storage.records import RepSellingTime

COUNTED_PLACEMENTS = ("deal", "prospecting")  # captured time that is selling time


def selling_time_by_rep(
    db: Database, team_id: str, since: date, until: date, user_ids: Collection[str] | None = None
) -> list[RepSellingTime]:
    """Every rep in the workspace (or only `user_ids`) with selling minutes (logged and captured, see
    counted_per_deal) on days since..until
    (inclusive), in one SQL pass; with `user_ids`, through the (team, user, day) index, so a page of reps
    reads only its own rows.

    The top deal is the opportunity with the most minutes (ties: lowest id); prospecting never is.
    Ordered by user id.
    """
    values = {"team_id": team_id, "since": since, "until": until}
    if user_ids is not None:
        if not user_ids:
            return []
        values["users"] = sorted(set(user_ids))
    with db.transaction() as session:
        rows = session.connection().execute(_selling_time_query(user_ids is not None), values)
        return [
            RepSellingTime(
                user_id=row.user_id,
                total_minutes=int(row.total),
                prospecting_minutes=int(row.prospecting or 0),
                top_opportunity_id=row.top_id,
                top_opportunity_name=row.top_name,
                top_opportunity_minutes=int(row.top_minutes or 0),
                captured_minutes=int(row.captured or 0),
                top_captured_minutes=int(row.top_captured or 0),
            )
            for row in rows
        ]


def selling_rows(team_id, since, until, rep: Callable[[ColumnElement], ColumnElement], name: str = "selling"):
    """The one home of "a rep's selling time, captured plus logged": every hand-logged entry and every
    captured meeting placed on a deal or prospecting, on days since..until (either may be None: open),
    as one UNION ALL. Columns: user_id, opportunity_id (None: prospecting), day, logged, captured."""

    def days(column: ColumnElement) -> list[ColumnElement]:
        bounds = [] if since is None else [column >= since]
        return bounds if until is None else [*bounds, column <= until]

    logged = select(
        Activity.user_id.label("user_id"),
        Activity.opportunity_id.label("opportunity_id"),
        Activity.occurred_on.label("day"),
        Activity.minutes.label("logged"),
        literal(0).label("captured"),
    ).where(Activity.team_id == team_id, *days(Activity.occurred_on), rep(Activity.user_id))
    captured = select(
        CapturedTime.user_id,
        CapturedTime.opportunity_id,
        CapturedTime.occurred_on,
        literal(0),
        CapturedTime.minutes,
    ).where(
        CapturedTime.team_id == team_id,
        *days(CapturedTime.occurred_on),
        rep(CapturedTime.user_id),
        CapturedTime.placement.in_(COUNTED_PLACEMENTS),
    )
    return union_all(logged, captured).subquery(f"{name}_rows")


def per_deal_and_day(rows, *by: ColumnElement) -> Select:
    """`selling_rows` summed per `by`, deal and day: the minutes logged by hand and those captured, the
    two an hour on a deal is counted once from (the larger). Columns: `by`, opportunity_id, logged, captured."""
    keys = [*by, rows.c.opportunity_id]
    day = [] if any(column is rows.c.day for column in by) else [rows.c.day]
    sums = func.sum(rows.c.logged).label("logged"), func.sum(rows.c.captured).label("captured")
    return select(*keys, *sums).group_by(*keys, *day)


def counted_per_deal(team_id, since, until, rep: Callable[[ColumnElement], ColumnElement], name: str = "per_deal"):
    """Minutes per (rep, deal) over days since..until, hand-logged and captured together, in SQL.

    One hour is never counted twice: on a deal and a day, a hand log counts only the part above the
    minutes captured from a calendar or CRM (the larger of the two counts); prospecting adds up. Columns:
    user_id, opportunity_id (None: prospecting), minutes (counted), captured (of which captured)."""
    both = selling_rows(team_id, since, until, rep, name)
    per_day = per_deal_and_day(both, both.c.user_id).subquery(f"{name}_days")
    counted = case(
        (per_day.c.opportunity_id.is_(None), per_day.c.logged + per_day.c.captured),
        (per_day.c.captured > per_day.c.logged, per_day.c.captured),
        else_=per_day.c.logged,
    )
    return (
        select(
            per_day.c.user_id,
            per_day.c.opportunity_id,
            func.sum(counted).label("minutes"),
            func.sum(per_day.c.captured).label("captured"),
        )
        .group_by(per_day.c.user_id, per_day.c.opportunity_id)
        .cte(name)
    )


@lru_cache(maxsize=2)
def _selling_time_query(for_some_reps: bool) -> Select:
    """Built once per form; team_id, since, until (and the reps) are bound at execution."""
    team_id = bindparam("team_id")
    users = bindparam("users", expanding=True)

    def rep(column: ColumnElement) -> ColumnElement:
        return column.in_(users) if for_some_reps else true()

    per_deal = counted_per_deal(team_id, bindparam("since"), bindparam("until"), rep)
    is_prospecting = per_deal.c.opportunity_id.is_(None)
    ranked = select(
        per_deal,
        func.row_number()
        .over(
            partition_by=per_deal.c.user_id,
            order_by=(is_prospecting, per_deal.c.minutes.desc(), per_deal.c.opportunity_id),
        )
        .label("place"),
    ).cte("ranked")
    top = and_(ranked.c.place == 1, ranked.c.opportunity_id.is_not(None))
    per_rep = (
        select(
            ranked.c.user_id,
            func.sum(ranked.c.minutes).label("total"),
            func.sum(case((ranked.c.opportunity_id.is_(None), ranked.c.minutes), else_=0)).label("prospecting"),
            func.max(case((top, ranked.c.opportunity_id))).label("top_id"),
            func.max(case((top, ranked.c.minutes), else_=0)).label("top_minutes"),
            func.sum(ranked.c.captured).label("captured"),
            func.max(case((top, ranked.c.captured), else_=0)).label("top_captured"),
        )
        .group_by(ranked.c.user_id)
        .having(func.sum(ranked.c.minutes) > 0)
        .subquery("per_rep")
    )
    # The name is looked up once per rep, for the top deal only.
    return (
        select(per_rep, Opportunity.name.label("top_name"))
        .outerjoin(Opportunity, and_(Opportunity.id == per_rep.c.top_id, Opportunity.team_id == team_id))
        .order_by(per_rep.c.user_id)
    )


def last_opened_by_rep(db: Database, team_id: str, user_ids: Collection[str] | None = None) -> dict[str, datetime]:
    """When each rep in the workspace (or each of `user_ids`) last opened an opportunity: one index seek
    per rep row (the (team, owner, created) index of migration 0007), never a pass over the workspace's
    whole history."""
    last = (
        select(func.max(Opportunity.created_at))
        .where(Opportunity.team_id == team_id, Opportunity.owner_id == Rep.user_id)
        .scalar_subquery()
    )
    query = select(Rep.user_id, last.label("opened")).where(Rep.team_id == team_id)
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(Rep.user_id.in_(sorted(set(user_ids))))
    with db.transaction() as session:
        return {user: opened for user, opened in session.execute(query) if opened is not None}


def last_prospecting_by_rep(db: Database, team_id: str, since: date | None = None) -> dict[str, date]:
    """The last day each rep prospected (since `since`, or ever), logged or captured (a calendar's or CRM's
    meeting placed on prospecting), in one GROUP BY through the (team, day) indexes; a rep missing here
    has none in the window. For the team view's "last prospected" and the leaders' quiet-prospecting count."""
    rows = selling_rows(team_id, since, None, lambda column: true(), "prospecting")
    query = select(rows.c.user_id, func.max(rows.c.day)).where(rows.c.opportunity_id.is_(None)).group_by(rows.c.user_id)
    with db.transaction() as session:
        return dict(session.execute(query).all())


def minutes_per_deal(db: Database, team_id: str, user_id: str, since: date, until: date) -> dict[int | None, int]:
    """One rep's counted selling minutes per deal (None: prospecting) over days since..until, as the nudge
    counts them (counted_per_deal), through the (team, user, day) indexes."""
    per_deal = counted_per_deal(team_id, since, until, lambda column: column == user_id, "rep_per_deal")
    with db.transaction() as session:
        return {row.opportunity_id: int(row.minutes or 0) for row in session.execute(select(per_deal))}
