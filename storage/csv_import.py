"""Storing imported CSV rows: restore by id, match rows without one, all in one transaction.

Every reason a row could not be stored (another workspace's id, an unknown deal) is checked before it is
written, so no row can fail mid-way. A dry run does the same work in a transaction that is rolled back:
what it reports is exactly what a real run would do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select, text

from storage.db import Database
from storage.models import Activity, Opportunity, StageChange


@dataclass(frozen=True)
class OpportunityRow:
    id: int | None
    owner_id: str
    name: str
    account: str | None
    amount: int | None
    stage: str
    status: str
    expected_close: date | None
    next_step: str | None
    created_at: datetime
    last_change_at: datetime
    closed_at: datetime | None
    lost_reason: str | None


@dataclass(frozen=True)
class ActivityRow:
    id: int | None
    user_id: str
    kind: str
    opportunity_id: int | None
    opportunity_name: str | None
    touches: int
    minutes: int
    occurred_on: date
    note: str | None
    created_at: datetime


class _DryRun(Exception):
    pass


def _same(old, new) -> bool:
    """Exports keep whole seconds, so a restored time equal to the second is the same time."""
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0)
    return old == new


def _equals(column, value):
    return column.is_(None) if value is None else column == value


def _run(db: Database, table: str, parsed: list, one, dry_run: bool) -> list[tuple[int, str]]:
    outcomes: list[tuple[int, str]] = []
    try:
        with db.transaction() as session:
            for line, row in parsed:
                outcomes.append((line, one(session, row)))
                session.flush()
            if db.dialect == "postgresql" and any(o == "created" for _, o in outcomes):
                session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return outcomes


def import_opportunities(db: Database, team_id: str, parsed: list, *, dry_run: bool) -> list[tuple[int, str]]:
    def one(session, row: OpportunityRow) -> str:
        values = {k: v for k, v in asdict(row).items() if k != "id"}
        if row.id is not None:
            existing = session.get(Opportunity, row.id)
            if existing is not None and existing.team_id != team_id:
                return f"id {row.id} belongs to another workspace"
        else:
            existing = session.scalar(
                select(Opportunity)
                .where(
                    Opportunity.team_id == team_id,
                    Opportunity.owner_id == row.owner_id,
                    Opportunity.name_key == row.name.casefold(),
                )
                .order_by(Opportunity.id)
                .limit(1)
            )
        if existing is None:
            opp = Opportunity(id=row.id, team_id=team_id, name_key=row.name.casefold(), **values)
            session.add(opp)
            session.flush()
            session.add(
                StageChange(
                    team_id=team_id,
                    opportunity_id=opp.id,
                    from_stage=None,
                    to_stage=row.stage,
                    changed_by=row.owner_id,
                    changed_at=row.created_at,
                )
            )
            return "created"
        changed = {k: v for k, v in values.items() if not _same(getattr(existing, k), v)}
        if not changed:
            return "unchanged"
        if "stage" in changed:
            session.add(
                StageChange(
                    team_id=team_id,
                    opportunity_id=existing.id,
                    from_stage=existing.stage,
                    to_stage=row.stage,
                    changed_by=row.owner_id,
                    changed_at=row.last_change_at,
                )
            )
        for key, value in changed.items():
            setattr(existing, key, value)
        existing.name_key = existing.name.casefold()
        return "updated"

    return _run(db, "opportunities", parsed, one, dry_run)


def import_activities(db: Database, team_id: str, parsed: list, *, dry_run: bool) -> list[tuple[int, str]]:
    def deal_of(session, row: ActivityRow) -> int | None | str:
        if row.kind != "deal":
            return None
        if row.opportunity_id is not None:
            found = session.scalar(
                select(Opportunity.id).where(Opportunity.id == row.opportunity_id, Opportunity.team_id == team_id)
            )
            if found is not None:
                return found
        if row.opportunity_name:
            found = session.scalar(
                select(Opportunity.id)
                .where(
                    Opportunity.team_id == team_id,
                    Opportunity.owner_id == row.user_id,
                    Opportunity.name_key == row.opportunity_name.casefold(),
                )
                .order_by(Opportunity.id)
                .limit(1)
            )
            if found is not None:
                return found
        return f"opportunity {row.opportunity_id or row.opportunity_name!r} is not in this workspace (import it first)"

    def one(session, row: ActivityRow) -> str:
        deal = deal_of(session, row)
        if isinstance(deal, str):
            return deal
        values = {k: v for k, v in asdict(row).items() if k not in ("id", "opportunity_name")}
        values["opportunity_id"] = deal
        if row.id is not None:
            existing = session.get(Activity, row.id)
            if existing is not None and existing.team_id != team_id:
                return f"id {row.id} belongs to another workspace"
        else:
            existing = session.scalar(
                select(Activity)
                .where(
                    Activity.team_id == team_id,
                    *(_equals(getattr(Activity, k), v) for k, v in values.items() if k != "created_at"),
                )
                .limit(1)
            )
        if existing is None:
            session.add(Activity(id=row.id, team_id=team_id, **values))
            session.flush()
            return "created"
        changed = {k: v for k, v in values.items() if not _same(getattr(existing, k), v)}
        for key, value in changed.items():
            setattr(existing, key, value)
        return "updated" if changed else "unchanged"

    return _run(db, "activities", parsed, one, dry_run)
