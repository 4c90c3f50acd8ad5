"""The `crm_sync` job: for every workspace with a CRM, pull its deals, write Slack's changes to it
(bot/services/crm_push.py), then take in the CRM's meetings and calls as captured time
(bot/services/crm_activities.py).

Scheduled every CRM_SYNC_MINUTES, when a CRM is set in the environment (HubSpot's token or Salesforce's
settings: a single-workspace install) or a CRM's OAuth app is (each workspace connects its own). The CRM's
meetings and calls (HubSpot's; Salesforce's Events and call Tasks) become captured time. Workspaces sync side
by side, a few at a time, each with its own token, cursor and outbox: one whose CRM fails, hangs or was
revoked costs the others nothing, and what failed is logged as one line naming the workspace and the kind of
failure, never a secret.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.jobs.report import JobReport, Switch
from bot.services import Services

log = logging.getLogger("pipeline_coach.crm")
SWITCH = Switch(needs="crm_sync_on", setting="HUBSPOT_ACCESS_TOKEN, SALESFORCE_* or an app", every="crm_sync_minutes")
WORKSPACES_AT_ONCE = 4  # syncs side by side, so a slow CRM holds up no other workspace's


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("crm_sync", now)
    if SWITCH.off(services.settings, report):
        return report
    from bot.services import workspace
    from bot.services.crm_accounts import teams_with_a_crm

    stopped = workspace.stopped_teams(services)  # uninstalled: their CRM waits for retention's erase
    teams = [team_id for team_id in teams_with_a_crm(services) if team_id not in stopped]
    if not teams:
        report.count("no workspace has a CRM connected")
        return report
    with ThreadPoolExecutor(max_workers=min(WORKSPACES_AT_ONCE, len(teams)), thread_name_prefix="crm") as pool:
        for outcomes in pool.map(lambda team_id: _sync_one(services, team_id, now), teams):
            for outcome, count in outcomes.items():
                report.outcomes[outcome] += count
    return report


def _sync_one(services: Services, team_id: str, now: datetime) -> dict[str, int]:
    """One workspace's sync and meetings, as outcome counts; whatever fails stays with this workspace."""
    from bot.installations import NotInstalled
    from bot.services.crm_push import run_sync

    try:
        scoped = services.for_team(team_id)
        sync = run_sync(scoped, now, team_id=team_id)
    except NotInstalled:
        return {"skipped: not installed": 1}
    except Exception as error:  # noqa: BLE001 - one workspace never stops the others; no text of it is logged
        log.error("CRM sync of workspace %s failed: %s", team_id, error.__class__.__name__)
        return {"failed": 1}
    if sync.skipped:
        return {"skipped: another sync of this workspace is still running": 1}
    if sync.error:
        log.warning("CRM sync of workspace %s stopped: %s", team_id, sync.error)
        return {"stopped": 1}
    outcomes = {"synced": 1, "crm requests": sync.requests}
    for outcome in ("created", "updated", "removed", "flagged", "celebrated"):
        if getattr(sync, outcome):
            outcomes[outcome] = getattr(sync, outcome)
    outcomes.update(_capture_meetings(scoped, now, team_id))
    return outcomes


def _capture_meetings(services: Services, now: datetime, team_id: str) -> dict[str, int]:
    """The CRM's meetings and calls become captured time once its deals are in (their links place them)."""
    from bot.integrations.base import CrmError
    from bot.services.crm_activities import capture_meetings

    try:
        placed = capture_meetings(services, now, team_id=team_id)
    except CrmError as error:
        log.warning("meetings and calls of workspace %s not read: %s", team_id, error)
        return {"meetings and calls not read": 1}
    return {f"meetings and calls ({placement})": count for placement, count in sorted(placed.items()) if count}
