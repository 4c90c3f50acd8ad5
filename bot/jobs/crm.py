"""The `crm_sync` job: pull deals from the CRM and write Slack's changes to it (bot/crm_push.py).

Scheduled every CRM_SYNC_MINUTES, and only when HUBSPOT_ACCESS_TOKEN is set.
"""

from __future__ import annotations

from datetime import datetime

from bot.jobs.report import JobReport, Switch
from bot.services import Services

SWITCH = Switch(needs="crm_enabled", setting="HUBSPOT_ACCESS_TOKEN", every="crm_sync_minutes")


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
    return report
