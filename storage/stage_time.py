"""How long deals stay in each stage, from the stage history (stage_changes, migration 0001): every rep's
stays per stage that ended since a moment (count and total days), and open deals' current stage and since
when. Each follows what it is asked about, never the workspace's whole history: some reps' stays through
their deals, the team's through its latest changes (a bounded number), the current stays by one seek per
open deal into the (opportunity, changed_at) index."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, cast, func, or_, select

from storage.db import Database
from storage.models import Opportunity, StageChange
from storage.opportunities import open_among


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


def _days(db: Database, began, ended):
    if db.dialect == "postgresql":
        return func.extract("epoch", ended - began) / 86400.0
    return func.julianday(ended) - func.julianday(began)


def completed_stays(
    db: Database, team_id: str, stages: tuple[str, ...], ended_since: datetime, owner_ids: Collection[str]
) -> list[StageStays]:
    """Per rep among `owner_ids` (the deal's owner) and stage among `stages`: the stays that ended since
    `ended_since` (the deal moved on), and their days in all. A stay ends at a change and began at the
    deal's change before it, so only these reps' deals with a change since are read (through the (team,
    owner) and (opportunity, changed_at) indexes), each with its own few changes."""
    change, recent = StageChange.__table__, StageChange.__table__.alias("recent")
    theirs = (Opportunity.team_id == team_id, Opportunity.owner_id.in_(sorted(set(owner_ids))))
    moved = (
        select(recent.c.opportunity_id)
        .join(Opportunity, Opportunity.id == recent.c.opportunity_id)
        .where(*theirs, recent.c.changed_at >= ended_since)
    )
    order = {"partition_by": change.c.opportunity_id, "order_by": (change.c.changed_at, change.c.id)}
    moves = (
        select(
            Opportunity.owner_id,
            change.c.changed_at.label("ended"),
            func.lag(change.c.changed_at).over(**order).label("began"),
            func.lag(change.c.to_stage).over(**order).label("stage"),
        )
        .join(Opportunity, Opportunity.id == change.c.opportunity_id)
        .where(*theirs, change.c.opportunity_id.in_(moved))
        .subquery("moves")
    )
    days = cast(_days(db, moves.c.began, moves.c.ended), Float)
    query = (
        select(moves.c.owner_id, moves.c.stage, func.count().label("stays"), func.sum(days).label("days"))
        .where(moves.c.ended >= ended_since, moves.c.stage.in_(stages))
        .group_by(moves.c.owner_id, moves.c.stage)
    )
    with db.transaction() as session:
        return [
            StageStays(row.owner_id, row.stage, int(row.stays), float(row.days or 0.0))
            for row in session.execute(query)
        ]


def team_stays(
    db: Database, team_id: str, stages: tuple[str, ...], ended_since: datetime, most: int
) -> dict[str, tuple[int, float]]:
    """The workspace's usual stays per stage among `stages`: {stage: (stays, days in all)} over its latest
    `most` stage moves since `ended_since` (a deal's opening is none), each stay begun at its deal's change
    before (one seek into the (opportunity, changed_at) index). The same work in a workspace of 1,000 reps
    or 50,000: the (team, changed_at) index hands the latest changes newest first and stops at `most`."""
    change, before = StageChange.__table__, StageChange.__table__.alias("before")
    latest = (
        select(change.c.id, change.c.opportunity_id, change.c.changed_at)
        .where(change.c.team_id == team_id, change.c.changed_at >= ended_since, change.c.from_stage.is_not(None))
        .order_by(change.c.changed_at.desc(), change.c.id.desc())
        .limit(most)
        .subquery("latest")
    )
    earlier = or_(
        before.c.changed_at < latest.c.changed_at,
        and_(before.c.changed_at == latest.c.changed_at, before.c.id < latest.c.id),
    )

    def of_the_change_before(column):  # the deal's change just before this one: where the stay began
        seek = select(column).where(before.c.opportunity_id == latest.c.opportunity_id, earlier)
        return seek.order_by(before.c.changed_at.desc(), before.c.id.desc()).limit(1).scalar_subquery()

    pairs = select(
        latest.c.changed_at.label("ended"),
        of_the_change_before(before.c.changed_at).label("began"),
        of_the_change_before(before.c.to_stage).label("stage"),
    ).subquery("pairs")
    days = cast(_days(db, pairs.c.began, pairs.c.ended), Float)
    query = select(pairs.c.stage, func.count(), func.sum(days)).group_by(pairs.c.stage)  # a few stages: kept below
    with db.transaction() as session:
        found = session.execute(query).all()
    return {stage: (int(stays), float(total or 0.0)) for stage, stays, total in found if stage in stages}


def current_stays(db: Database, team_id: str, opportunity_ids: Collection[int] | None = None) -> dict[int, CurrentStay]:
    """Open deals' (the workspace's, or among these) current stage and since when: for each, its last stage
    change, one seek into the deal's own history."""
    change, latest = StageChange.__table__, StageChange.__table__.alias("latest")
    last = (
        select(latest.c.id)
        .where(latest.c.opportunity_id == Opportunity.id)
        .order_by(latest.c.changed_at.desc(), latest.c.id.desc())
        .limit(1)
        .scalar_subquery()
        .correlate(Opportunity)
    )
    query = (
        select(Opportunity.id, Opportunity.owner_id, change.c.to_stage, change.c.changed_at)
        .join(change, and_(change.c.opportunity_id == Opportunity.id, change.c.id == last))
        .where(*open_among(team_id, opportunity_ids))
    )
    with db.transaction() as session:
        return {
            row.id: CurrentStay(row.id, row.owner_id, row.to_stage, row.changed_at) for row in session.execute(query)
        }
