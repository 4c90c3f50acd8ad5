"""Selling time across a whole workspace, for the nudge, reflections and the manager view: one SQL pass
for every rep's minutes over a window (in all, on prospecting, on their top deal), one GROUP BY for when
each rep last opened a deal. The (team, day) index of migration 0002 keeps it to the window's rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, case, func, select

from storage.db import Database
from storage.models import Activity, Opportunity, Rep
from storage.records import RepSellingTime


def selling_time_by_rep(
    db: Database, team_id: str, since: date, until: date, user_ids: Collection[str] | None = None
) -> list[RepSellingTime]:
    """Every rep in the workspace (or only `user_ids`) with logged minutes on days since..until
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
            )
            for row in rows
        ]


@lru_cache(maxsize=2)
def _selling_time_query(for_some_reps: bool) -> Select:
    """Built once per form; team_id, since, until (and the reps) are bound at execution."""
    team_id = bindparam("team_id")
    in_window = (
        Activity.team_id == team_id,
        Activity.occurred_on >= bindparam("since"),
        Activity.occurred_on <= bindparam("until"),
    )
    if for_some_reps:
        in_window += (Activity.user_id.in_(bindparam("users", expanding=True)),)
    per_deal = (
        select(Activity.user_id, Activity.opportunity_id, func.sum(Activity.minutes).label("minutes"))
        .where(*in_window)
        .group_by(Activity.user_id, Activity.opportunity_id)
        .cte("per_deal")
    )
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
