"""CRM sync storage: the link from a CRM record to our opportunity, and where each workspace's sync stands.

What the sync decided for a page of records is stored by storage/crm_records.py, and CRM owners and
their Slack matches by storage/crm_owners.py. Everything is scoped by workspace and provider and handed
back as frozen dataclasses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from storage.claims import new_token
from storage.db import Database
from storage.models import CrmLink, CrmSyncState, Opportunity
from storage.opportunities import view_of
from storage.records import OpportunityView
from storage.rows import read_row
from storage.upsert import insert_for

REMOVED = "removed"  # an opportunity whose CRM record was deleted or merged away: closed, never lost silently


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
    keyed_at: datetime | None = None


@dataclass(frozen=True)
class Run:
    """A sync that holds its workspace: `token` says whose hold it is."""

    token: str
    keyed_at: datetime | None


@dataclass(frozen=True)
class Linked:
    """A CRM record we already hold, with the opportunity it is."""

    crm_id: str
    crm_modified_at: datetime | None
    pushed_modified_at: datetime | None
    opportunity: OpportunityView


def insert_once(db: Database, model, **values) -> bool:
    """Add the row unless one with the same unique key exists (a racing writer's too): True if added."""
    statement = insert_for(db)(model).values(**values).on_conflict_do_nothing().returning(model.id)
    with db.transaction() as session:
        return session.execute(statement).scalar() is not None


def link_values(
    team_id: str, provider: str, opportunity_id: int, crm_id: str, modified_at: datetime, now: datetime
) -> dict:
    """A new link's columns, whoever makes it (the sync importing a deal, or a sender creating one)."""
    return {"team_id": team_id, "provider": provider, "crm_id": crm_id, "opportunity_id": opportunity_id,
            "crm_modified_at": modified_at, "linked_at": now}  # fmt: skip


def _of(team_id: str, provider: str) -> tuple:
    return (CrmSyncState.team_id == team_id, CrmSyncState.provider == provider)


def sync_state(db: Database, team_id: str, provider: str) -> SyncState:
    with db.transaction() as session:
        row = session.scalar(select(CrmSyncState).where(*_of(team_id, provider)))
        if row is None:
            return SyncState(team_id, provider, None, None, None, None, None, None, 0)
        return read_row(SyncState, row)


def sync_states(db: Database) -> dict[tuple[str, str], SyncState]:
    """Every workspace's sync state, by (workspace, provider), in one read."""
    with db.transaction() as session:
        return {(row.team_id, row.provider): read_row(SyncState, row) for row in session.scalars(select(CrmSyncState))}


def _ensure_state(db: Database, team_id: str, provider: str) -> None:
    """The workspace's sync-state row, made once however many processes ask at the same moment."""
    insert_once(db, CrmSyncState, team_id=team_id, provider=provider, last_requests=0)


def start_run(db: Database, team_id: str, provider: str, now: datetime, lease: timedelta) -> Run | None:
    """Hold the workspace for one sync (compare-and-set); None while another sync holds it."""
    _ensure_state(db, team_id, provider)
    token = new_token()
    with db.transaction() as session:
        held = session.execute(
            update(CrmSyncState)
            .where(*_of(team_id, provider))
            .where(or_(CrmSyncState.running_until.is_(None), CrmSyncState.running_until < now))
            .values(running_until=now + lease, running_by=token)
            .returning(CrmSyncState.keyed_at)
        ).first()
    return Run(token, held[0]) if held else None


def save_stage_weights(db: Database, team_id: str, provider: str, weights: dict[str, float]) -> None:
    """The CRM's probability of winning in each of our stages, as its pipeline says now."""
    _ensure_state(db, team_id, provider)
    with db.transaction() as session:
        session.execute(
            update(CrmSyncState)
            .where(*_of(team_id, provider))
            .values(stage_weights=json.dumps(weights, sort_keys=True))
        )


def note_keyed(db: Database, team_id: str, provider: str, now: datetime) -> None:
    with db.transaction() as session:
        session.execute(update(CrmSyncState).where(*_of(team_id, provider)).values(keyed_at=now))


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
    run: Run | None = None,
) -> SyncState:
    """After a run: move the cursor forward (never back), note the first full import, and the last error;
    with `run`, the run's hold on the workspace ends."""
    _ensure_state(db, team_id, provider)
    with db.transaction() as session:
        row = session.scalar(select(CrmSyncState).where(*_of(team_id, provider)).with_for_update())
        if run is not None and row.running_by == run.token:
            row.running_until, row.running_by = None, None
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
        return read_row(SyncState, row)


def links_of(team_id: str, provider: str, *where) -> tuple:
    """The filter for a workspace's links to one provider's records (and whatever else is given)."""
    return (CrmLink.team_id == team_id, CrmLink.provider == provider, *where)


def linked(db: Database, team_id: str, provider: str, crm_ids: Iterable[str]) -> dict[str, Linked]:
    wanted = sorted(set(crm_ids))
    found: dict[str, Linked] = {}
    with db.transaction() as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(CrmLink, Opportunity)
                .join(Opportunity, Opportunity.id == CrmLink.opportunity_id)
                .where(*links_of(team_id, provider, CrmLink.crm_id.in_(wanted[start : start + 500])))
            ).all()
            for link, opp in rows:
                found[link.crm_id] = Linked(link.crm_id, link.crm_modified_at, link.pushed_modified_at, view_of(opp))
    return found


def crm_id_of(db: Database, team_id: str, provider: str, opportunity_id: int) -> str | None:
    with db.transaction() as session:
        return session.scalar(
            select(CrmLink.crm_id).where(*links_of(team_id, provider, CrmLink.opportunity_id == opportunity_id))
        )


def linked_ids(db: Database, team_id: str, provider: str) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(CrmLink.crm_id).where(*links_of(team_id, provider))))


def link(
    db: Database, team_id: str, provider: str, opportunity_id: int, crm_id: str, modified_at: datetime, now: datetime
) -> bool:
    """Remember an opportunity's CRM record, and that this modification is our own echo. A second link of
    the same pair (a sync and a sender racing) is a no-op; False if the opportunity was already linked."""
    values = link_values(team_id, provider, opportunity_id, crm_id, modified_at, now)
    return insert_once(db, CrmLink, **values, pushed_modified_at=modified_at)


def note_pushed(db: Database, team_id: str, provider: str, crm_id: str, modified_at: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(CrmLink)
            .where(*links_of(team_id, provider, CrmLink.crm_id == crm_id))
            .values(pushed_modified_at=modified_at, crm_modified_at=modified_at)
        )


def opportunity(db: Database, team_id: str, opportunity_id: int) -> OpportunityView | None:
    with db.transaction() as session:
        row = session.scalar(
            select(Opportunity).where(Opportunity.id == opportunity_id, Opportunity.team_id == team_id)
        )
        return view_of(row) if row else None
