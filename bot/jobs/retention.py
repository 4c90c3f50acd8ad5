"""Erase what an uninstalled workspace left behind once WORKSPACE_RETENTION_DAYS have passed
(bot/services/erase.py). Idempotent: a second run, or a second process, finds nothing left to erase."""

from __future__ import annotations

from datetime import datetime

from bot.jobs.report import JobReport
from bot.services import Services
from bot.services.erase import erase_expired


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("retention", now)
    for _ in erase_expired(services, now):
        report.count("workspaces erased")
    return report
