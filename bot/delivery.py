"""Sending a claimed message exactly once: the Slack call, then the mark (sent, retry, failed, skipped).

Claims themselves are taken in storage/claims.py; the jobs decide what to claim and for whom.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.people import TOKEN_FAILURES, UNREACHABLE, WorkspaceUnreachable
from bot.services import Services
from storage import claims

log = logging.getLogger("pipeline_coach.delivery")

SENT, RETRY, FAILED, SKIPPED = claims.SENT, claims.RETRY, claims.FAILED, claims.SKIPPED
__all__ = ["WorkspaceUnreachable", "deliver"]


def deliver(services: Services, claim: claims.Claim, now: datetime, starts_cooldown: bool = False) -> str:
    """Send a claimed message and record what happened: sent, retry (with backoff), failed, or skipped.

    A recipient Slack says cannot be reached (UNREACHABLE) is marked so, and nobody tries again; a sent
    message that `starts_cooldown` (a nudge) starts the rep's cooldown in the same transaction.
    """
    try:
        services.client.chat_postMessage(channel=claim.key.recipient_id, text=claim.text, blocks=claim.blocks)
    except SlackApiError as error:
        reason = str(error.response.get("error") or f"http_{error.response.status_code}")
        if reason in TOKEN_FAILURES:  # the workspace's token, not this message: try again on a later tick
            claims.mark_failed_attempt(services.db, claim, reason, now)
            raise WorkspaceUnreachable(f"Slack says {reason}") from None
        if reason in UNREACHABLE:
            claims.mark_skipped(services.db, claim, reason, now, unreachable=True)
            log.info("%s for %s skipped: Slack says %s", claim.key.kind, claim.key.recipient_id, reason)
            return SKIPPED
        return _failed(services, claim, reason, now)
    except Exception as error:  # connection trouble, a timeout, anything else: try again later
        return _failed(services, claim, f"{error.__class__.__name__}: {error}", now)
    claims.mark_sent(services.db, claim, now, start_cooldown=starts_cooldown)
    return SENT


def _failed(services: Services, claim: claims.Claim, reason: str, now: datetime) -> str:
    outcome = claims.mark_failed_attempt(services.db, claim, reason, now)
    if outcome.status == FAILED:
        log.error(
            "gave up on %s %s for %s after %s attempts: %s",
            claim.key.kind,
            claim.key.period_key,
            claim.key.recipient_id,
            outcome.attempts,
            reason,
        )
    else:
        log.warning(
            "%s for %s failed (%s); retrying at %s",
            claim.key.kind,
            claim.key.recipient_id,
            reason,
            outcome.next_attempt_at,
        )
    return outcome.status
