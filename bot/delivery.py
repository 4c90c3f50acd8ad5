"""Sending a claimed message exactly once: the Slack call, then the mark (sent, retry, failed, skipped).

Claims themselves are taken in storage/claims.py and storage/queue.py; the jobs decide what to claim and
for whom. Every message carries its claim id in Slack's message metadata (event type CLAIM_EVENT), so a
claim resumed after its owner died between Slack's answer and the mark is first looked for in the DM's
history since its send began and marked sent if it is there, instead of going out twice. It is sent again
only once that history has been read back to the send and does not hold it (bot/dm_history.py, a page a
turn of Slack's history limit): a history not read that far yet (its limit, a 429, an error, more pages)
means "not known yet", and the claim waits for a later tick (WAITING). Posts and history reads spend from
the workspace's budgets that every instance shares (bot/slack_pace.py). A claimed picture (bot/uploads.py)
goes the same way, uploaded instead of posted, and is looked for by its file ids.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot import dm_history, slack_pace, uploads
from bot.people import TOKEN_FAILURES, UNREACHABLE, WorkspaceUnreachable
from bot.services import Services
from bot.workers import PEOPLE
from storage import claim_marks, claims

log = logging.getLogger("pipeline_coach.delivery")

SENT, RETRY, FAILED, SKIPPED = claims.SENT, claims.RETRY, claims.FAILED, claims.SKIPPED
__all__ = ["WorkspaceUnreachable", "deliver"]
TAKEN_OVER, ALREADY_THERE, WAITING = "taken over", "already delivered", "waiting for history"
CLAIM_EVENT = "pipeline_coach_claim"


def claim_metadata(claim: claims.Claim) -> dict:
    return {"event_type": CLAIM_EVENT, "event_payload": {"claim_id": str(claim.id)}}


def deliver(services: Services, claim: claims.Claim, now: datetime, starts_cooldown: bool = False) -> str:
    """Send a claimed message and record what happened: sent, retry (with backoff), failed, or skipped.

    A recipient Slack says cannot be reached (UNREACHABLE) is marked so, and nobody tries again; a sent
    message that `starts_cooldown` (a nudge) starts the rep's cooldown in the same transaction. Marks are
    stamped with the tick's `now`; the lease is renewed on the wall clock (services.now()) just before the
    call, and a claim another instance has taken over meanwhile is not sent.
    """
    slack_pace.wait_to_post(services)  # the workspace's post budget, shared by every instance
    if not claim_marks.still_ours(services.db, claim, services.now()):
        log.warning(
            "%s for %s was taken over by another instance; not sent here", claim.key.kind, claim.key.recipient_id
        )
        return TAKEN_OVER
    found_in_slack = uploads.already_shared if uploads.is_upload(claim) else _already_in_slack
    looked = found_in_slack(services, claim) if claim.resumed else dm_history.Looked(False)
    if looked.found is None:
        claim_marks.wait_for_history(services.db, claim, services.now(), looked.read_on_from)
        log.info(
            "%s for %s may have reached Slack before a crash and its DM cannot be read yet; it waits",
            claim.key.kind,
            claim.key.recipient_id,
        )
        return WAITING
    if looked.found:
        claim_marks.mark_sent(services.db, claim, now, start_cooldown=starts_cooldown)
        log.info("%s for %s had reached Slack before a crash; marked sent", claim.key.kind, claim.key.recipient_id)
        return ALREADY_THERE
    try:
        if uploads.is_upload(claim):  # a picture (bot/uploads.py): the same claim, marks and retries
            uploads.send_upload(services, claim)
        else:
            services.client.chat_postMessage(
                channel=claim.key.recipient_id, text=claim.text, blocks=claim.blocks, metadata=claim_metadata(claim)
            )
    except SlackApiError as error:
        reason = str(error.response.get("error") or f"http_{error.response.status_code}")
        if reason in TOKEN_FAILURES:  # the workspace's token, not this message: try again on a later tick
            claim_marks.mark_failed_attempt(services.db, claim, reason, now)
            raise WorkspaceUnreachable(f"Slack says {reason}") from None
        if reason in UNREACHABLE:
            claim_marks.mark_skipped(services.db, claim, reason, now, unreachable=True)
            log.info("%s for %s skipped: Slack says %s", claim.key.kind, claim.key.recipient_id, reason)
            return SKIPPED
        return _failed(services, claim, reason, now)
    except Exception as error:  # connection trouble, a timeout, anything else: try again later
        return _failed(services, claim, f"{error.__class__.__name__}: {error}", now)
    PEOPLE.step_aside()  # Slack's answer may come mid-burst: the mark waits for people (a crash: resumed)
    if not claim_marks.mark_sent(services.db, claim, now, start_cooldown=starts_cooldown):
        return TAKEN_OVER
    return SENT


def _already_in_slack(services: Services, claim: claims.Claim) -> dm_history.Looked:
    """Is a message with this claim's id in the DM since its send began? (bot/dm_history.py: a page a turn)"""
    if not claim.key.recipient_id.startswith(("U", "W")):
        return dm_history.Looked(False)  # a channel post (the digest): its history would need another scope
    wanted = str(claim.id)

    def holds(message: dict) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return metadata.get("event_type") == CLAIM_EVENT and str(payload.get("claim_id")) == wanted

    return dm_history.look_for(services, claim, holds)


def _failed(services: Services, claim: claims.Claim, reason: str, now: datetime) -> str:
    outcome = claim_marks.mark_failed_attempt(services.db, claim, reason, now)
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
