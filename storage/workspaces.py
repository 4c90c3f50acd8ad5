"""Whether the app is installed in a workspace. Rows appear only when something happens to one (an
uninstall, a revoked bot token, a reinstall), so a workspace with no row is installed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import Workspace


def mark_uninstalled(db: Database, team_id: str, reason: str, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(Workspace, team_id)
        if row is None:
            session.add(Workspace(team_id=team_id, uninstalled_at=now, uninstall_reason=reason[:32], updated_at=now))
        elif row.uninstalled_at is None:
            row.uninstalled_at, row.uninstall_reason, row.updated_at = now, reason[:32], now


def mark_installed(db: Database, team_id: str, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(Workspace, team_id)
        if row is not None and row.uninstalled_at is not None:
            row.uninstalled_at, row.uninstall_reason, row.updated_at = None, None, now


def uninstalled_teams(db: Database) -> set[str]:
    """Workspaces the app was removed from (their data is kept until an admin erases it)."""
    with db.transaction() as session:
        return set(session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))))
