"""What every job does the same way: pick up claims that need another try, and claim-then-send new ones."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import coach
from bot.jobs.report import JobReport
from bot.services import Services
from storage import claims
from storage.coaching import RepSettings

log = logging.getLogger("pipeline_coach.jobs")


def may_message(rep: RepSettings | None, now: datetime) -> str | None:
    """Why a rep must not get a coaching DM right now (for any kind), or None when they may."""
    if rep is None:
        return "unknown rep"
    if not rep.coaching_enabled:
        return "coaching off"
    if rep.snoozed_until is not None and now < rep.snoozed_until:
        return "snoozed"
    if rep.undeliverable_reason is not None:
        return "undeliverable"
    return None


def retry_due(
    services: Services, team_id: str, kind: str, reps: dict[str, RepSettings], now: datetime, report: JobReport
) -> None:
    """Send again what failed earlier (its backoff has passed) or was abandoned mid-send (its lease expired).

    A rep who has since switched coaching off, snoozed or become unreachable is not messaged: the claim
    is closed as skipped with that reason.
    """
    for claim in claims.take_over_due(services.db, team_id, kind, now):
        reason = may_message(reps.get(claim.key.user_id), now)
        if reason is not None:
            claims.close_skipped(services.db, claim, reason)
            report.count("skipped")
            continue
        report.count(coach.deliver(services, claim, now))


def claim_and_send(
    services: Services,
    key: claims.Key,
    message: tuple[str, list[dict]],
    now: datetime,
    report: JobReport,
    question_id: str | None = None,
) -> None:
    text, blocks = message
    claim = claims.claim(services.db, key, text, blocks, now, question_id=question_id)
    if claim is None:
        report.count("already claimed")
        return
    report.count(coach.deliver(services, claim, now))
