"""Erasing data: a workspace at once (`python -m bot workspace erase TEAM_ID`) or after the retention
period that follows an uninstall (WORKSPACE_RETENTION_DAYS), and one person's data (`/opportunity
forget-me`, or an admin's `/opportunity admin forget @someone` for a person who has left)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from bot.messages.format import FORMER_PREFIX
from bot.services import Services, workspace, workspace_settings
from storage import erase as store
from storage import workspace_settings as settings_store

log = logging.getLogger("pipeline_coach.erase")


def erase_workspace(services: Services, team_id: str) -> dict[str, int]:
    """Every row of the workspace, its tokens included, is deleted; its caches are dropped."""
    removed = store.erase_team(services.db, team_id)
    if services.installations is not None:
        services.installations.forget(team_id)
    workspace_settings.forget(services, team_id)
    workspace._forget(services)
    log.info("erased workspace %s: %s rows", team_id, sum(removed.values()))
    return removed


def erase_expired(services: Services, now: datetime) -> list[str]:
    """Erase workspaces uninstalled more than WORKSPACE_RETENTION_DAYS ago; the ones erased."""
    cutoff = now - timedelta(days=services.settings.workspace_retention_days)
    expired = store.expired_teams(services.db, cutoff)
    for team_id in expired:
        erase_workspace(services, team_id)
    return expired


def forget_person(services: Services, team_id: str, user_id: str) -> dict[str, int]:
    """Erase a person's own data in one transaction; their deals stay, credited to an alias naming nobody
    (a fresh random id, so nothing links it back to them), and they leave the managers list."""
    alias = FORMER_PREFIX + secrets.token_hex(8).upper()
    with services.db.transaction():
        counts = store.forget_rep(services.db, team_id, user_id, alias)
        chosen = settings_store.chosen(services.db, team_id)
        managers = chosen.get("manager_ids") or []
        if user_id in managers:
            chosen["manager_ids"] = [other for other in managers if other != user_id]
            settings_store.save(services.db, team_id, chosen, None, services.now())
    workspace_settings.forget(services, team_id)
    services.shared("admins").pop((team_id, user_id), None)
    log.info("erased a person's data in workspace %s", team_id)
    return counts
