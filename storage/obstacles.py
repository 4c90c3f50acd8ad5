"""Obstacles on deals and their checkpoints. Naming an obstacle closes the one before it, so the table is
the deal's whole history; reads are per workspace (one query), never per deal in a loop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, select, update

from storage.db import Database
from storage.models import Obstacle, Opportunity
from storage.opportunities import rep_open
from storage.records import OPEN, NewObstacle, NotOpen, ObstacleView
from storage.rows import added, columns_of, fetched, read_row

REPLACED, CLEARED, MOVED, LOST = "replaced", "cleared", "moved", "lost"


def _view(row: Obstacle, opp: Opportunity) -> ObstacleView:
    return read_row(ObstacleView, row, opportunity_name=opp.name, paused=opp.paused_at is not None)


def _with_deal():
    """Obstacles with the deal each stands on (a view shows the deal's name and whether it is paused)."""
    return select(Obstacle, Opportunity).join(Opportunity, Opportunity.id == Obstacle.opportunity_id)


def _standing(team_id: str):
    """The workspace's open obstacles on open deals."""
    return _with_deal().where(Obstacle.team_id == team_id, Obstacle.closed_at.is_(None), Opportunity.status == OPEN)


def _open_deal(session, team_id: str, user_id: str, opportunity_id: int) -> Opportunity:
    opp = session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id, *rep_open(team_id, user_id)))
    if opp is None:
        raise NotOpen(opportunity_id)
    return opp


def _close_open(session, team_id: str, opportunity_id: int, outcome: str, now: datetime) -> None:
    session.execute(
        update(Obstacle)
        .where(Obstacle.team_id == team_id, Obstacle.opportunity_id == opportunity_id, Obstacle.closed_at.is_(None))
        .values(closed_at=now, outcome=outcome)
    )


def name_obstacle(
    db: Database,
    team_id: str,
    user_id: str,
    opportunity_id: int,
    named: NewObstacle,
    now: datetime,
) -> ObstacleView | None:
    """Name the obstacle on one of the rep's open deals (kind None clears it); the previous one is kept,
    closed as replaced or cleared. Raises NotOpen when the deal is closed or not the rep's."""
    with db.transaction() as session:
        opp = _open_deal(session, team_id, user_id, opportunity_id)
        _close_open(session, team_id, opportunity_id, REPLACED if named.kind else CLEARED, now)
        if named.kind is None:
            return None
        row = Obstacle(team_id=team_id, user_id=user_id, opportunity_id=opportunity_id, named_at=now, **asdict(named))
        return _view(added(session, row), opp)


def get_open(db: Database, team_id: str, user_id: str, obstacle_id: int) -> ObstacleView | None:
    """One of the rep's own obstacles, if it is still open on a deal that is still open."""
    with db.transaction() as session:
        found = session.execute(
            _standing(team_id).where(Obstacle.id == obstacle_id, Obstacle.user_id == user_id)
        ).first()
        return _view(*found) if found else None


def close(db: Database, team_id: str, obstacle_id: int, outcome: str, now: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(Obstacle)
            .where(Obstacle.id == obstacle_id, Obstacle.team_id == team_id, Obstacle.closed_at.is_(None))
            .values(closed_at=now, outcome=outcome)
        )


def set_checkpoint(db: Database, team_id: str, obstacle_id: int, checkpoint: date, not_yet: bool = False) -> None:
    """A new checkpoint; `not_yet` counts one more "not yet" answer on this obstacle."""
    values: dict = {"checkpoint": checkpoint}
    if not_yet:
        values["not_yets"] = Obstacle.not_yets + 1
    with db.transaction() as session:
        session.execute(
            update(Obstacle).where(Obstacle.id == obstacle_id, Obstacle.team_id == team_id).values(**values)
        )


def set_detach(
    db: Database, team_id: str, obstacle_id: int, detach_on: date | None, condition: str | None, checkpoint: date
) -> None:
    """When the rep will step back (a date, a condition or both), kept with the obstacle, and the checkpoint
    on which they are asked next."""
    with db.transaction() as session:
        session.execute(
            update(Obstacle)
            .where(Obstacle.id == obstacle_id, Obstacle.team_id == team_id)
            .values(
                detach_on=detach_on, detach_condition=condition, checkpoint=checkpoint, not_yets=Obstacle.not_yets + 1
            )
        )


def pause(db: Database, team_id: str, user_id: str, opportunity_id: int, now: datetime) -> None:
    """The rep stepped back: the deal stays open, marked paused (out of the stalled list)."""
    with db.transaction() as session:
        _open_deal(session, team_id, user_id, opportunity_id).paused_at = now


def open_obstacles(
    db: Database, team_id: str, user_id: str | None = None, opportunity_ids: Iterable[int] | None = None
) -> dict[int, ObstacleView]:
    """Open obstacles on open deals in the workspace (or one rep's, or some deals'), by opportunity id."""
    query = _standing_rows(user_id is not None)
    if opportunity_ids is not None:
        ids = sorted(set(opportunity_ids))
        if not ids:
            return {}
        query = query.where(Obstacle.opportunity_id.in_(ids))
    rows = fetched(db, query, {"team_id": team_id, "user_id": user_id})
    return {row.opportunity_id: read_row(ObstacleView, row, paused=row.deal_paused_at is not None) for row in rows}


@lru_cache(maxsize=2)
def _standing_rows(one_rep: bool) -> Select:
    """The workspace's (or a rep's) open obstacles on open deals, oldest first, with each deal's name and
    pause: built once, every value a bound parameter."""
    query = (
        select(
            *columns_of(ObstacleView, Obstacle),
            Opportunity.name.label("opportunity_name"),
            Opportunity.paused_at.label("deal_paused_at"),
        )
        .join(Opportunity, Opportunity.id == Obstacle.opportunity_id)
        .where(Obstacle.team_id == bindparam("team_id"), Obstacle.closed_at.is_(None), Opportunity.status == OPEN)
        .order_by(Obstacle.id)
    )
    return query.where(Obstacle.user_id == bindparam("user_id")) if one_rep else query


def checkpoints_until(db: Database, team_id: str, until: date) -> list[ObstacleView]:
    """Open obstacles on open deals whose checkpoint is on or before `until`, for the checkpoint job."""
    query = _standing(team_id).where(Obstacle.checkpoint <= until).order_by(Obstacle.id)
    with db.transaction() as session:
        return [_view(row, opp) for row, opp in session.execute(query)]


def history(db: Database, team_id: str, opportunity_id: int) -> list[ObstacleView]:
    """Every obstacle ever named on a deal, oldest first."""
    query = (
        _with_deal()
        .where(Obstacle.team_id == team_id, Obstacle.opportunity_id == opportunity_id)
        .order_by(Obstacle.named_at, Obstacle.id)
    )
    with db.transaction() as session:
        return [_view(row, opp) for row, opp in session.execute(query)]
