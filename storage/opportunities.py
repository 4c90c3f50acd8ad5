"""Opportunity queries: small functions that take a Database and return plain objects."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import Select, bindparam, func, insert, select

from storage.db import Database
from storage.models import Opportunity, StageChange
from storage.records import OPEN, WON, NewOpportunity, NotOpen, OpportunityView, StageMove
from storage.reps import ensure_reps
from storage.rows import columns_of, fetched, read_row


def rep_open(team_id: str, owner_id: str) -> tuple:
    """Where-clauses for a rep's own open deals: the only deals a rep's entry can touch."""
    return (Opportunity.team_id == team_id, Opportunity.owner_id == owner_id, Opportunity.status == OPEN)


def open_among(team_id: str, opportunity_ids: Collection[int] | None = None) -> tuple:
    """Where-clauses for a workspace's open deals, or those of them among `opportunity_ids` (by id)."""
    scope = (Opportunity.team_id == team_id, Opportunity.status == OPEN)
    return scope if opportunity_ids is None else (*scope, Opportunity.id.in_(sorted(set(opportunity_ids))))


def view_of(row: Opportunity) -> OpportunityView:
    return read_row(OpportunityView, row)


def create_opportunity(
    db: Database, team_id: str, owner_id: str, new: NewOpportunity, now: datetime, request_key: str | None = None
) -> OpportunityView:
    """Store the opportunity and its first stage in one transaction (request_key: the Slack request); the
    owner gets a rep row if new. Plain INSERTs, not the ORM's flush: on SQLite the single writer is held
    from the first write to the commit, and every request of a burst waits its turn behind it."""
    values = {
        **asdict(new),
        "request_key": request_key,
        "team_id": team_id,
        "owner_id": owner_id,
        "name_key": new.name.casefold(),
        "status": OPEN,
        "created_at": now,
        "last_change_at": now,
    }
    opportunities = Opportunity.__table__
    with db.transaction() as session:
        ensure_reps(db, team_id, [owner_id], now)
        row_id = session.execute(insert(opportunities).returning(opportunities.c.id), values).scalar_one()
        opened = read_row(
            OpportunityView, SimpleNamespace(**values, id=row_id, closed_at=None, lost_reason=None, paused_at=None)
        )
        session.execute(insert(StageChange.__table__), stage_change(opened, None, owner_id, now))
    return opened


def stage_change(deal, from_stage: str | None, by: str, at: datetime, request_key: str | None = None) -> dict:
    """One step of a deal's stage history, as the row's values: from `from_stage` (None: the deal's first
    stage) into the stage `deal` (a row or a view) is in now."""
    return {
        "team_id": deal.team_id,
        "opportunity_id": deal.id,
        "from_stage": from_stage,
        "to_stage": deal.stage,
        "changed_by": by,
        "changed_at": at,
        "request_key": request_key,
    }


def count_opened_since(db: Database, team_id: str, since: datetime) -> int:
    """How many opportunities the whole team opened since a moment (for 'the 4th this week')."""
    with db.transaction() as session:
        query = select(func.count()).where(Opportunity.team_id == team_id, Opportunity.created_at >= since)
        return session.scalar(query) or 0


def count_won_since(db: Database, team_id: str, since: datetime) -> int:
    with db.transaction() as session:
        query = select(func.count()).where(
            Opportunity.team_id == team_id, Opportunity.status == WON, Opportunity.closed_at >= since
        )
        return session.scalar(query) or 0


def open_opportunities(db: Database, team_id: str, owner_id: str, limit: int) -> tuple[list[OpportunityView], int]:
    """The rep's open deals, soonest close first, with the total so a capped list can say 'and N more'."""
    rows = fetched(db, _open_statement(), {"team_id": team_id, "owner_id": owner_id, "limit": limit})
    return [read_row(OpportunityView, row) for row in rows], int(rows[0].total) if rows else 0


@lru_cache(maxsize=1)
def _open_statement() -> Select:
    """A rep's open deals, capped, each row carrying the uncapped total: one statement, built once."""
    mine = rep_open(bindparam("team_id"), bindparam("owner_id"))
    return (
        select(*columns_of(OpportunityView, Opportunity), func.count().over().label("total"))
        .where(*mine)
        .order_by(Opportunity.expected_close.is_(None), Opportunity.expected_close, Opportunity.id)
        .limit(bindparam("limit"))
    )


def get_opportunity(db: Database, team_id: str, owner_id: str, opportunity_id: int) -> OpportunityView | None:
    """One of the rep's own opportunities, or None: nobody reaches another rep's deal by guessing an id."""
    with db.transaction() as session:
        row = session.scalar(
            select(Opportunity).where(
                Opportunity.id == opportunity_id,
                Opportunity.team_id == team_id,
                Opportunity.owner_id == owner_id,
            )
        )
        return view_of(row) if row else None


def search_open(db: Database, team_id: str, owner_id: str, text: str, limit: int = 25) -> list[OpportunityView]:
    """The rep's open opportunities whose name contains the text, case-insensitively."""
    pattern = "%" + _escape_like(text.casefold()) + "%"
    with db.transaction() as session:
        rows = session.scalars(
            select(Opportunity)
            .where(*rep_open(team_id, owner_id), Opportunity.name_key.like(pattern, escape="\\"))
            .order_by(Opportunity.id)
            .limit(limit)
        ).all()
        return [view_of(row) for row in rows]


def move_stage(
    db: Database,
    team_id: str,
    owner_id: str,
    opportunity_id: int,
    to_stage: str,
    now: datetime,
    *,
    status: str = OPEN,
    lost_reason: str | None = None,
    request_key: str | None = None,
) -> StageMove:
    """Change stage (or close as won/lost) and record the move; raises NotOpen if it is no longer open."""
    with db.transaction() as session:
        row = session.scalar(
            select(Opportunity).where(Opportunity.id == opportunity_id, *rep_open(team_id, owner_id)).with_for_update()
        )
        if row is None:
            raise NotOpen(opportunity_id)
        from_stage = row.stage
        row.stage = to_stage
        row.status = status
        row.last_change_at = now
        row.paused_at = None  # a deal that moves is no longer one the rep stepped back from
        if status != OPEN:
            row.closed_at = now
            row.lost_reason = lost_reason
        session.add(StageChange(**stage_change(row, from_stage, owner_id, now, request_key)))
        session.flush()
        return StageMove(opportunity=view_of(row), from_stage=from_stage, to_stage=to_stage)


def created_by_request(db: Database, team_id: str, request_key: str) -> OpportunityView | None:
    """The opportunity a Slack request created, if it did (a replayed request creates nothing new)."""
    with db.transaction() as session:
        row = session.scalar(
            select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.request_key == request_key)
        )
        return view_of(row) if row else None


def moved_by_request(db: Database, team_id: str, request_key: str) -> StageMove | None:
    """The stage move a Slack request made, if it did."""
    with db.transaction() as session:
        found = session.execute(
            select(StageChange, Opportunity)
            .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
            .where(StageChange.team_id == team_id, StageChange.request_key == request_key)
        ).first()
        if found is None:
            return None
        change, row = found
        return StageMove(opportunity=view_of(row), from_stage=change.from_stage or "", to_stage=change.to_stage)


def stage_history(db: Database, team_id: str, opportunity_id: int) -> list[tuple[str | None, str, datetime]]:
    with db.transaction() as session:
        rows = session.execute(
            select(StageChange.from_stage, StageChange.to_stage, StageChange.changed_at)
            .where(StageChange.team_id == team_id, StageChange.opportunity_id == opportunity_id)
            .order_by(StageChange.changed_at, StageChange.id)
        ).all()
        return [(row.from_stage, row.to_stage, row.changed_at) for row in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def open_deal_counts(db: Database, team_id: str, user_ids: Collection[str] | None = None) -> dict[str, int]:
    """How many open opportunities each rep in the workspace (or among `user_ids`) has (one GROUP BY)."""
    query = (
        select(Opportunity.owner_id, func.count())
        .where(Opportunity.team_id == team_id, Opportunity.status == OPEN)
        .group_by(Opportunity.owner_id)
    )
    if user_ids is not None:
        query = query.where(Opportunity.owner_id.in_(sorted(user_ids)))
    with db.transaction() as session:
        return {owner: int(count) for owner, count in session.execute(query)}


def views_by_id(db: Database, team_id: str, opportunity_ids: Collection[int]) -> dict[int, OpportunityView]:
    """Several of a workspace's deals in one query, whoever owns them (a batch of celebrations)."""
    if not opportunity_ids:
        return {}
    with db.transaction() as session:
        rows = session.scalars(
            select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.id.in_(sorted(set(opportunity_ids))))
        )
        return {row.id: view_of(row) for row in rows}
