"""How long deals stay in each stage, from the stage history (stage_changes, migration 0001): every rep's
completed stays per stage (count and total days), and each open deal's current stage and since when. One
windowed pass over the workspace's stage changes, reached through the (opportunity, changed_at) index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, cast, func, select

from storage.db import Database
from storage.models import Opportunity, StageChange
from storage.records import OPEN


@dataclass(frozen=True)
class StageStays:
    """One rep's completed stays in one stage: how many, and their days in all."""

    user_id: str
    stage: str
    stays: int
    days: float


@dataclass(frozen=True)
class CurrentStay:
    """An open deal's current stage and when it entered it."""

    opportunity_id: int
    user_id: str
    stage: str
    since: datetime


def _stays(team_id: str, user_id: str | None = None):
    """Every stay in a stage (of one rep's deals: filtered before the window, which is per deal): the deal,
    its owner and status, the stage, when it began and ended (None: now)."""
    ended = func.lead(StageChange.changed_at).over(
        partition_by=StageChange.opportunity_id, order_by=(StageChange.changed_at, StageChange.id)
    )
    query = (
        select(
            StageChange.opportunity_id,
            Opportunity.owner_id,
            Opportunity.status,
            StageChange.to_stage.label("stage"),
            StageChange.changed_at.label("began"),
            ended.label("ended"),
        )
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .where(StageChange.team_id == team_id)
    )
    if user_id is not None:
        query = query.where(Opportunity.owner_id == user_id)
    return query.subquery("stays")


def _days(db: Database, began, ended):
    if db.dialect == "postgresql":
        return func.extract("epoch", ended - began) / 86400.0
    return func.julianday(ended) - func.julianday(began)


def completed_stays(db: Database, team_id: str, stages: tuple[str, ...]) -> list[StageStays]:
    """Per rep and open stage: the stays that ended (the deal moved on), and their days in all."""
    stays = _stays(team_id)
    days = cast(_days(db, stays.c.began, stays.c.ended), Float)
    query = (
        select(stays.c.owner_id, stays.c.stage, func.count().label("stays"), func.sum(days).label("days"))
        .where(stays.c.ended.is_not(None), stays.c.stage.in_(stages))
        .group_by(stays.c.owner_id, stays.c.stage)
    )
    with db.transaction() as session:
        return [
            StageStays(row.owner_id, row.stage, int(row.stays), float(row.days or 0.0))
            for row in session.execute(query)
        ]


def current_stays(db: Database, team_id: str, user_id: str | None = None) -> dict[int, CurrentStay]:
    """Each open deal's (or one rep's open deals') current stage and since when."""
    stays = _stays(team_id, user_id)
    query = select(stays.c.opportunity_id, stays.c.owner_id, stays.c.stage, stays.c.began).where(
        stays.c.ended.is_(None), stays.c.status == OPEN
    )
    with db.transaction() as session:
        return {
            row.opportunity_id: CurrentStay(row.opportunity_id, row.owner_id, row.stage, row.began)
            for row in session.execute(query)
        }
