"""CRM sync storage: the link from a CRM record to our opportunity, the sync's state, owners, flags, conflicts.

The sync (bot/crm_sync.py) decides; these functions store a page of decisions in one transaction and
hand back frozen dataclasses. Everything is scoped by workspace and provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import CrmConflict, CrmFlag, CrmLink, CrmOwner, CrmSyncState, Opportunity, StageChange
from storage.opportunities import OPEN, OpportunityView, view_of

REMOVED = "removed"  # an opportunity whose CRM record was deleted or merged away: closed, never lost silently
PLACEHOLDER = "crm:"  # owner_id prefix of a deal whose CRM owner has no Slack match yet


@dataclass(frozen=True)
class SyncState:
    team_id: str
    provider: str
    cursor: datetime | None
    imported_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_requests: int


@dataclass(frozen=True)
class Linked:
    """A CRM record we already hold, with the opportunity it is."""

    crm_id: str
    crm_modified_at: datetime | None
    pushed_modified_at: datetime | None
    opportunity: OpportunityView


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
class OwnerMatch:
    owner_id: str
    email: str | None
    name: str
    slack_user_id: str | None
    checked_at: datetime | None


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


def placeholder_owner(crm_owner_id: str | None) -> str:
    return (PLACEHOLDER + (crm_owner_id or "none"))[:32]


def _state_view(row: CrmSyncState) -> SyncState:
    return SyncState(
        row.team_id,
        row.provider,
        row.cursor,
        row.imported_at,
        row.last_run_at,
        row.last_success_at,
        row.last_error,
        row.last_error_at,
        row.last_requests,
    )


def sync_state(db: Database, team_id: str, provider: str) -> SyncState:
    with db.transaction() as session:
        row = session.scalar(
            select(CrmSyncState).where(CrmSyncState.team_id == team_id, CrmSyncState.provider == provider)
        )
        if row is None:
            return SyncState(team_id, provider, None, None, None, None, None, None, 0)
        return _state_view(row)


def record_run(
    db: Database,
    team_id: str,
    provider: str,
    now: datetime,
    *,
    requests: int,
    cursor: datetime | None = None,
    imported: bool = False,
    error: str | None = None,
) -> SyncState:
    """After a run: move the cursor forward (never back), note the first full import, and the last error."""
    with db.transaction() as session:
        row = session.scalar(
            select(CrmSyncState)
            .where(CrmSyncState.team_id == team_id, CrmSyncState.provider == provider)
            .with_for_update()
        )
        if row is None:
            row = CrmSyncState(team_id=team_id, provider=provider, last_requests=0)
            session.add(row)
        row.last_run_at, row.last_requests = now, requests
        if cursor is not None and (row.cursor is None or cursor > row.cursor):
            row.cursor = cursor
        if imported and row.imported_at is None:
            row.imported_at = now
        if error is None:
            row.last_success_at, row.last_error, row.last_error_at = now, None, None
        else:
            row.last_error, row.last_error_at = error[:300], now
        session.flush()
        return _state_view(row)


def linked(db: Database, team_id: str, provider: str, crm_ids: Iterable[str]) -> dict[str, Linked]:
    wanted = sorted(set(crm_ids))
    found: dict[str, Linked] = {}
    with db.transaction() as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(CrmLink, Opportunity)
                .join(Opportunity, Opportunity.id == CrmLink.opportunity_id)
                .where(
                    CrmLink.team_id == team_id,
                    CrmLink.provider == provider,
                    CrmLink.crm_id.in_(wanted[start : start + 500]),
                )
            ).all()
            for link, opp in rows:
                found[link.crm_id] = Linked(link.crm_id, link.crm_modified_at, link.pushed_modified_at, view_of(opp))
    return found


def crm_id_of(db: Database, team_id: str, provider: str, opportunity_id: int) -> str | None:
    with db.transaction() as session:
        return session.scalar(
            select(CrmLink.crm_id).where(
                CrmLink.team_id == team_id, CrmLink.provider == provider, CrmLink.opportunity_id == opportunity_id
            )
        )


def linked_ids(db: Database, team_id: str, provider: str) -> set[str]:
    with db.transaction() as session:
        return set(
            session.scalars(select(CrmLink.crm_id).where(CrmLink.team_id == team_id, CrmLink.provider == provider))
        )


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
        standing: dict[str, set[str]] = {}
        for crm_id, problem in session.execute(
            select(CrmFlag.crm_id, CrmFlag.problem).where(
                CrmFlag.team_id == team_id,
                CrmFlag.provider == provider,
                CrmFlag.crm_id.in_([record.crm_id for record in records]),
            )
        ):
            standing.setdefault(crm_id, set()).add(problem)
        page = []
        for record in records:
            row = rows.get(record.opportunity_id) if record.opportunity_id else None
            if row is None:
                row = Opportunity(team_id=team_id, created_at=record.created_at, status=OPEN)
                session.add(row)
            row.owner_id, row.name, row.name_key = record.owner_id, record.name, record.name.casefold()
            row.amount, row.stage, row.expected_close = record.amount, record.stage, record.expected_close
            if row.status != record.status:
                row.closed_at = record.changed_at if record.status != OPEN else None
            row.status, row.last_change_at = record.status, record.changed_at
            page.append((record, row))
        session.flush()  # one batch of inserts for the page's new opportunities, then their ids are known
        for record, row in page:
            if record.opportunity_id is None:
                session.add(
                    CrmLink(
                        team_id=team_id,
                        provider=provider,
                        crm_id=record.crm_id,
                        opportunity_id=row.id,
                        crm_modified_at=record.crm_modified_at,
                        linked_at=now,
                    )
                )
            else:
                session.execute(
                    update(CrmLink)
                    .where(CrmLink.team_id == team_id, CrmLink.provider == provider, CrmLink.crm_id == record.crm_id)
                    .values(crm_modified_at=record.crm_modified_at)
                )
            if record.opportunity_id is None or record.stage_moved:
                session.add(
                    StageChange(
                        team_id=team_id,
                        opportunity_id=row.id,
                        from_stage=record.from_stage,
                        to_stage=record.stage,
                        changed_by=provider,
                        changed_at=record.changed_at if record.opportunity_id else record.created_at,
                    )
                )
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


def _replace_flags(session, team_id, provider, record: Record, opportunity_id: int, standing: set[str], now) -> None:
    """A record's flags are what is wrong with it now: fixed problems disappear, standing ones keep their date."""
    current = dict(record.flags)
    stale = standing - set(current) - {REMOVED}
    if stale:
        session.execute(
            delete(CrmFlag).where(
                CrmFlag.team_id == team_id,
                CrmFlag.provider == provider,
                CrmFlag.crm_id == record.crm_id,
                CrmFlag.problem.in_(sorted(stale)),
            )
        )
    for problem, detail in current.items():
        if problem not in standing:
            session.add(
                CrmFlag(
                    team_id=team_id,
                    provider=provider,
                    crm_id=record.crm_id,
                    opportunity_id=opportunity_id,
                    problem=problem,
                    detail=detail[:300],
                    flagged_at=now,
                )
            )


def close_removed(
    db: Database, team_id: str, provider: str, reasons: dict[str, str], now: datetime
) -> list[OpportunityView]:
    """CRM records deleted or merged away: their open opportunities are closed as removed, each flagged."""
    closed = []
    with db.transaction() as session:
        rows = session.execute(
            select(CrmLink.crm_id, Opportunity)
            .join(Opportunity, Opportunity.id == CrmLink.opportunity_id)
            .where(CrmLink.team_id == team_id, CrmLink.provider == provider, CrmLink.crm_id.in_(sorted(reasons)))
        ).all()
        for crm_id, row in rows:
            if row.status == OPEN:
                row.status, row.closed_at, row.last_change_at = REMOVED, now, now
                row.lost_reason = reasons[crm_id][:500]
                closed.append(view_of(row))
            flagged = session.scalar(
                select(CrmFlag.id).where(
                    CrmFlag.team_id == team_id,
                    CrmFlag.provider == provider,
                    CrmFlag.crm_id == crm_id,
                    CrmFlag.problem == REMOVED,
                )
            )
            if flagged is None:
                session.add(
                    CrmFlag(
                        team_id=team_id,
                        provider=provider,
                        crm_id=crm_id,
                        opportunity_id=row.id,
                        problem=REMOVED,
                        detail=reasons[crm_id][:300],
                        flagged_at=now,
                    )
                )
    return closed


def link(
    db: Database, team_id: str, provider: str, opportunity_id: int, crm_id: str, modified_at: datetime, now: datetime
) -> bool:
    """Remember an opportunity's CRM record, and that this modification is our own echo. A second link of
    the same pair (a sync and a sender racing) is a no-op; False if the opportunity was already linked."""
    insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
    statement = (
        insert(CrmLink)
        .values(
            team_id=team_id,
            provider=provider,
            crm_id=crm_id,
            opportunity_id=opportunity_id,
            crm_modified_at=modified_at,
            pushed_modified_at=modified_at,
            linked_at=now,
        )
        .on_conflict_do_nothing()
        .returning(CrmLink.id)
    )
    with db.transaction() as session:
        return session.execute(statement).scalar() is not None


def awaiting_create(db: Database, team_id: str, provider: str) -> dict[str, int]:
    """Opportunities whose CRM create is outstanding and not yet linked, by folded name: a deal the sync
    finds under that name is the one our create made (its answer lost), not a new one to import."""
    from storage.models import CrmOutbox

    with db.transaction() as session:
        rows = session.execute(
            select(Opportunity.name_key, Opportunity.id)
            .join(CrmOutbox, CrmOutbox.opportunity_id == Opportunity.id)
            .outerjoin(CrmLink, CrmLink.opportunity_id == Opportunity.id)
            .where(
                CrmOutbox.team_id == team_id,
                CrmOutbox.provider == provider,
                CrmOutbox.change_key == "create",
                CrmOutbox.status.in_(("pending", "claimed", "retry")),
                CrmLink.id.is_(None),
            )
        ).all()
        return {name_key: opportunity_id for name_key, opportunity_id in rows}


def note_pushed(db: Database, team_id: str, provider: str, crm_id: str, modified_at: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(CrmLink)
            .where(CrmLink.team_id == team_id, CrmLink.provider == provider, CrmLink.crm_id == crm_id)
            .values(pushed_modified_at=modified_at, crm_modified_at=modified_at)
        )


def save_owners(db: Database, team_id: str, provider: str, owners: Iterable[tuple[str, str | None, str]]) -> None:
    """Upsert the CRM's owners (id, email, name); a changed email is matched again."""
    with db.transaction() as session:
        known = {
            row.owner_id: row
            for row in session.scalars(
                select(CrmOwner).where(CrmOwner.team_id == team_id, CrmOwner.provider == provider)
            )
        }
        for owner_id, email, name in owners:
            row = known.get(owner_id)
            if row is None:
                session.add(
                    CrmOwner(team_id=team_id, provider=provider, owner_id=owner_id, email=email, name=name[:120])
                )
            elif row.email != email or row.name != name[:120]:
                if row.email != email:
                    row.slack_user_id, row.checked_at = None, None
                row.email, row.name = email, name[:120]


def owners(db: Database, team_id: str, provider: str) -> list[OwnerMatch]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CrmOwner).where(CrmOwner.team_id == team_id, CrmOwner.provider == provider).order_by(CrmOwner.name)
        )
        return [OwnerMatch(r.owner_id, r.email, r.name, r.slack_user_id, r.checked_at) for r in rows]


def set_owner_match(
    db: Database, team_id: str, provider: str, owner_id: str, slack_user_id: str | None, now: datetime
) -> int:
    """Store what Slack said about an owner's email; a match takes over the deals waiting for that owner."""
    with db.transaction() as session:
        session.execute(
            update(CrmOwner)
            .where(CrmOwner.team_id == team_id, CrmOwner.provider == provider, CrmOwner.owner_id == owner_id)
            .values(slack_user_id=slack_user_id, checked_at=now)
        )
        if slack_user_id is None:
            return 0
        moved = session.execute(
            update(Opportunity)
            .where(Opportunity.team_id == team_id, Opportunity.owner_id == placeholder_owner(owner_id))
            .values(owner_id=slack_user_id)
        )
        return moved.rowcount or 0


def flags(db: Database, team_id: str, provider: str) -> list[Flag]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CrmFlag)
            .where(CrmFlag.team_id == team_id, CrmFlag.provider == provider)
            .order_by(CrmFlag.flagged_at, CrmFlag.id)
        )
        return [Flag(r.crm_id, r.opportunity_id, r.problem, r.detail, r.flagged_at) for r in rows]


def conflicts(db: Database, team_id: str, opportunity_id: int) -> list[Conflict]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CrmConflict)
            .where(CrmConflict.team_id == team_id, CrmConflict.opportunity_id == opportunity_id)
            .order_by(CrmConflict.decided_at, CrmConflict.id)
        )
        return [Conflict(r.field, r.kept_value, r.lost_value, r.winner, r.decided_at) for r in rows]


def opportunity(db: Database, team_id: str, opportunity_id: int) -> OpportunityView | None:
    with db.transaction() as session:
        row = session.scalar(
            select(Opportunity).where(Opportunity.id == opportunity_id, Opportunity.team_id == team_id)
        )
        return view_of(row) if row else None
