"""Storing what the CRM sync decided for a page of records, in one transaction: the opportunities, their
links, stage history, flags for what could not be trusted, and the losing side of each conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select, update

from storage.close_dates import close_date_change
from storage.crm import REMOVED, link_values, links_of
from storage.db import Database
from storage.models import CrmConflict, CrmFlag, CrmLink, Opportunity, StageChange
from storage.opportunities import stage_change, view_of
from storage.records import OPEN, OpportunityView
from storage.rows import read_row


@dataclass(frozen=True)
class Record:
    """What the sync decided to store for one CRM record (opportunity_id None: a new opportunity)."""

    crm_id: str
    crm_modified_at: datetime
    opportunity_id: int | None
    owner_id: str
    name: str
    amount: int | None
    stage: str
    status: str
    expected_close: date | None
    created_at: datetime
    changed_at: datetime
    from_stage: str | None = None
    stage_moved: bool = False
    flags: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[tuple[str, str | None, str | None, str], ...] = ()  # field, kept, lost, winner


@dataclass(frozen=True)
class Flag:
    crm_id: str
    opportunity_id: int | None
    problem: str
    detail: str
    flagged_at: datetime


@dataclass(frozen=True)
class Conflict:
    field: str
    kept_value: str | None
    lost_value: str | None
    winner: str
    decided_at: datetime


def save_records(
    db: Database, team_id: str, provider: str, records: list[Record], now: datetime
) -> list[OpportunityView]:
    """Store a page of decisions in one transaction: opportunities, links, stage history, flags, conflicts."""
    saved = []
    with db.transaction() as session:
        ids = [record.opportunity_id for record in records if record.opportunity_id]
        rows = (
            {row.id: row for row in session.scalars(select(Opportunity).where(Opportunity.id.in_(ids)))} if ids else {}
        )
        standing = _standing(session, team_id, provider, [record.crm_id for record in records])
        page = []
        for record in records:
            row = rows.get(record.opportunity_id) if record.opportunity_id else None
            if row is None:
                row = Opportunity(team_id=team_id, created_at=record.created_at, status=OPEN)
                session.add(row)
            if record.opportunity_id and row.expected_close != record.expected_close and row.status == OPEN:
                session.add(close_date_change(team_id, row.id, row.expected_close, record.expected_close, now))
            row.owner_id, row.name, row.name_key = record.owner_id, record.name, record.name.casefold()
            row.amount, row.stage, row.expected_close = record.amount, record.stage, record.expected_close
            if row.status != record.status:
                row.closed_at = record.changed_at if record.status != OPEN else None
            row.status, row.last_change_at = record.status, record.changed_at
            page.append((record, row))
        session.flush()  # one batch of inserts for the page's new opportunities, then their ids are known
        for record, row in page:
            if record.opportunity_id is None:
                values = link_values(team_id, provider, row.id, record.crm_id, record.crm_modified_at, now)
                session.add(CrmLink(**values))
            else:
                session.execute(
                    update(CrmLink)
                    .where(*links_of(team_id, provider, CrmLink.crm_id == record.crm_id))
                    .values(crm_modified_at=record.crm_modified_at)
                )
            if record.opportunity_id is None or record.stage_moved:
                moved_at = record.changed_at if record.opportunity_id else record.created_at
                session.add(StageChange(**stage_change(row, record.from_stage, provider, moved_at)))
            _replace_flags(session, team_id, provider, record, row.id, standing.get(record.crm_id, set()), now)
            for field, kept, lost, winner in record.conflicts:
                session.add(
                    CrmConflict(
                        team_id=team_id,
                        opportunity_id=row.id,
                        field=field,
                        kept_value=kept and kept[:300],
                        lost_value=lost and lost[:300],
                        winner=winner,
                        decided_at=now,
                    )
                )
            saved.append(view_of(row))
    return saved


def _flags_of(team_id: str, provider: str, crm_ids: list[str]) -> tuple:
    return (CrmFlag.team_id == team_id, CrmFlag.provider == provider, CrmFlag.crm_id.in_(crm_ids))


def _standing(session, team_id: str, provider: str, crm_ids: list[str]) -> dict[str, set[str]]:
    """The problems each record is flagged for now."""
    standing: dict[str, set[str]] = {}
    rows = session.execute(select(CrmFlag.crm_id, CrmFlag.problem).where(*_flags_of(team_id, provider, crm_ids)))
    for crm_id, problem in rows:
        standing.setdefault(crm_id, set()).add(problem)
    return standing


def _flag(session, team_id, provider, crm_id: str, opportunity_id: int, problem: str, detail: str, now) -> None:
    session.add(CrmFlag(team_id=team_id, provider=provider, crm_id=crm_id, opportunity_id=opportunity_id,
                        problem=problem, detail=detail[:300], flagged_at=now))  # fmt: skip


def _replace_flags(session, team_id, provider, record: Record, opportunity_id: int, standing: set[str], now) -> None:
    """A record's flags are what is wrong with it now: fixed problems disappear, standing ones keep their date."""
    current = dict(record.flags)
    stale = standing - set(current) - {REMOVED}
    if stale:
        where = _flags_of(team_id, provider, [record.crm_id])
        session.execute(delete(CrmFlag).where(*where, CrmFlag.problem.in_(sorted(stale))))
    for problem, detail in current.items():
        if problem not in standing:
            _flag(session, team_id, provider, record.crm_id, opportunity_id, problem, detail, now)


def close_removed(
    db: Database, team_id: str, provider: str, reasons: dict[str, str], now: datetime
) -> list[OpportunityView]:
    """CRM records deleted or merged away: their open opportunities are closed as removed, each flagged."""
    closed = []
    with db.transaction() as session:
        rows = session.execute(
            select(CrmLink.crm_id, Opportunity)
            .join(Opportunity, Opportunity.id == CrmLink.opportunity_id)
            .where(*links_of(team_id, provider, CrmLink.crm_id.in_(sorted(reasons))))
        ).all()
        standing = _standing(session, team_id, provider, sorted(reasons))
        for crm_id, row in rows:
            if row.status == OPEN:
                row.status, row.closed_at, row.last_change_at = REMOVED, now, now
                row.lost_reason = reasons[crm_id][:500]
                closed.append(view_of(row))
            if REMOVED not in standing.get(crm_id, set()):
                _flag(session, team_id, provider, crm_id, row.id, REMOVED, reasons[crm_id], now)
    return closed


def _listed(db: Database, view, when, *where) -> list:
    """Rows of `when`'s table, oldest first, as `view` records (their fields named as the columns)."""
    model = when.class_
    with db.transaction() as session:
        return [read_row(view, row) for row in session.scalars(select(model).where(*where).order_by(when, model.id))]


def flags(db: Database, team_id: str, provider: str) -> list[Flag]:
    return _listed(db, Flag, CrmFlag.flagged_at, CrmFlag.team_id == team_id, CrmFlag.provider == provider)


def conflicts(db: Database, team_id: str, opportunity_id: int) -> list[Conflict]:
    where = (CrmConflict.team_id == team_id, CrmConflict.opportunity_id == opportunity_id)
    return _listed(db, Conflict, CrmConflict.decided_at, *where)
