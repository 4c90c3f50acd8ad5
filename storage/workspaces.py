"""The workspaces that use the bot: whether the app is still installed there, and the bookkeeping of their
bulk time-zone refresh.

The jobs walk this small table instead of scanning the history tables for team ids; a row is added with
the first rep row of a workspace (storage/reps.py). The refresh is leased like a claim: one instance at a
time pages through users.list for a workspace, the others use the cache meanwhile.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from storage.db import Database
from storage.models import Workspace
from storage.upsert import insert_for

ZONES_EVERY = timedelta(days=1)
ZONES_SPREAD = timedelta(hours=4)  # refreshes of different workspaces (and days) land at different times
ZONES_LEASE = timedelta(minutes=10)


def note_workspaces(db: Database, team_ids: Iterable[str], now: datetime) -> None:
    """Make sure each workspace has its row (one statement; existing rows are left alone)."""
    rows = [{"team_id": team_id, "created_at": now} for team_id in set(team_ids)]
    if not rows:
        return
    statement = insert_for(db)(Workspace.__table__).on_conflict_do_nothing(index_elements=["team_id"])
    with db.transaction() as session:
        session.execute(statement, rows)


def teams(db: Database) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def spread(key: str, width: timedelta) -> timedelta:
    """A stable offset in [0, width) for `key`, so expiries of many keys are spread out, not stacked."""
    return width * ((zlib.crc32(key.encode()) % 1000) / 1000)


def take_zone_refresh(db: Database, team_id: str, token: str, now: datetime) -> bool:
    """True if this instance should page through users.list for the workspace now (and holds the lease)."""
    with db.transaction() as session:
        taken = session.execute(
            update(Workspace)
            .where(
                Workspace.team_id == team_id,
                or_(Workspace.zones_due_at.is_(None), Workspace.zones_due_at <= now),
                or_(Workspace.zones_lease_until.is_(None), Workspace.zones_lease_until < now),
            )
            .values(zones_lease_by=token, zones_lease_until=now + ZONES_LEASE)
            .returning(Workspace.team_id)
        ).first()
    return taken is not None


def zone_refresh_running(db: Database, team_id: str, now: datetime) -> bool:
    """Another instance is paging through users.list for this workspace right now."""
    with db.transaction() as session:
        until = session.scalar(select(Workspace.zones_lease_until).where(Workspace.team_id == team_id))
    return until is not None and until >= now


def finish_zone_refresh(db: Database, team_id: str, token: str, now: datetime, succeeded: bool) -> None:
    """Release the lease; after a success the next refresh is due a day later, spread per workspace and day."""
    values: dict = {"zones_lease_by": None, "zones_lease_until": None}
    if succeeded:
        values["zones_refreshed_at"] = now
        values["zones_due_at"] = now + ZONES_EVERY + spread(f"{team_id}:{now.date()}", ZONES_SPREAD)
    else:
        values["zones_due_at"] = now + timedelta(minutes=15)
    with db.transaction() as session:
        session.execute(
            update(Workspace).where(Workspace.team_id == team_id, Workspace.zones_lease_by == token).values(**values)
        )


def zones_refreshed_at(db: Database, team_id: str) -> datetime | None:
    with db.transaction() as session:
        return session.scalar(select(Workspace.zones_refreshed_at).where(Workspace.team_id == team_id))


def mark_uninstalled(db: Database, team_id: str, reason: str, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(Workspace, team_id)
        if row is None:
            session.add(
                Workspace(
                    team_id=team_id, created_at=now, uninstalled_at=now, uninstall_reason=reason[:32], updated_at=now
                )
            )
        elif row.uninstalled_at is None:
            row.uninstalled_at, row.uninstall_reason, row.updated_at = now, reason[:32], now


def mark_installed(db: Database, team_id: str, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(Workspace, team_id)
        if row is None:
            session.add(Workspace(team_id=team_id, created_at=now, updated_at=now))
        elif row.uninstalled_at is not None:
            row.uninstalled_at, row.uninstall_reason, row.updated_at = None, None, now


def uninstalled_teams(db: Database) -> set[str]:
    """Workspaces the app was removed from (their data is kept until an admin erases it)."""
    with db.transaction() as session:
        return set(session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))))
