"""The `crm_sync` job: pull deals from the CRM, write Slack's changes to it (bot/crm_push.py), then take in
the CRM's meetings and calls as captured time (bot/services/crm_activities.py).

Scheduled every CRM_SYNC_MINUTES, and only when a CRM is set (HubSpot's token or Salesforce's settings).
The CRM's meetings and calls (HubSpot's; Salesforce's Events and call Tasks) become captured time.
"""

from __future__ import annotations

from datetime import datetime

from bot.jobs.report import JobReport, Switch
from bot.services import Services

SWITCH = Switch(needs="crm_enabled", setting="HUBSPOT_ACCESS_TOKEN or SALESFORCE_*", every="crm_sync_minutes")


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("crm_sync", now)
    if SWITCH.off(services.settings, report):
        return report
    from bot.services.crm_push import run_sync

    sync = run_sync(services, now)
    if sync.skipped:
        report.count("skipped: another sync of this workspace is still running")
        return report
    if sync.error:
        report.count("stopped: " + sync.error)
        return report
    for outcome in ("created", "updated", "removed", "flagged", "celebrated"):
        if getattr(sync, outcome):
            report.count(outcome)
            report.outcomes[outcome] = getattr(sync, outcome)
    report.outcomes["crm requests"] = sync.requests
    _capture_meetings(services, now, report)
    return report


def _capture_meetings(services: Services, now: datetime, report: JobReport) -> None:
    """The CRM's meetings and calls become captured time once its deals are in (their links place them)."""
    from bot.integrations.base import CrmError
    from bot.services.crm_activities import capture_meetings

    try:
        placed = capture_meetings(services, now)
    except CrmError as error:
        report.count("meetings and calls not read: " + str(error))
        return
    for placement, count in sorted(placed.items()):
        if count:
            report.outcomes[f"meetings and calls ({placement})"] = count
