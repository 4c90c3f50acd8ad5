"""Each workspace's own settings, as its admins chose them (a JSON object per workspace)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import WorkspaceSettings


def chosen(db: Database, team_id: str) -> dict:
    with db.transaction() as session:
        row = session.get(WorkspaceSettings, team_id)
        return _read(row.chosen) if row is not None else {}


def chosen_by_team(db: Database) -> dict[str, dict]:
    """Every workspace's choices in one query (what a job tick reads once)."""
    with db.transaction() as session:
        return {row.team_id: _read(row.chosen) for row in session.scalars(select(WorkspaceSettings))}


def save(db: Database, team_id: str, values: dict, user_id: str | None, now: datetime) -> None:
    """Replace the workspace's choices (values equal to the defaults are left out by the caller)."""
    text = json.dumps(values, sort_keys=True)
    with db.transaction() as session:
        row = session.get(WorkspaceSettings, team_id)
        if row is None:
            session.add(WorkspaceSettings(team_id=team_id, chosen=text, updated_by=user_id, updated_at=now))
        else:
            row.chosen, row.updated_by, row.updated_at = text, user_id, now


def _read(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
