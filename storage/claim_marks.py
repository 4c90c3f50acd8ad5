"""What the owner of a claim records once it tried to send (storage/claims.py): sent, failed for now, skipped,
or, resumed after a crash, waiting until its DM can be read. Each mark applies only while the claim is still
its owner's: one taken over meanwhile changes nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, update

from storage.claims import CLAIMED, FAILED, LEASE, MAX_ATTEMPTS, RETRY, SENT, SKIPPED, Claim, Outcome, backoff
from storage.db import Database
from storage.models import Rep, ScheduledMessage

log = logging.getLogger("pipeline_coach.claims")

# A fan-out's per-send UPDATEs touch no loaded objects: skip the ORM's search of the session for them.
NO_SESSION_SYNC = {"execution_options": {"synchronize_session": False}}


def _owned(claim: Claim) -> tuple:
    return (
        ScheduledMessage.id == claim.id,
        ScheduledMessage.team_id == claim.key.team_id,
        ScheduledMessage.claimed_by == claim.token,
        ScheduledMessage.status == CLAIMED,
    )


def still_ours(db: Database, claim: Claim, now: datetime) -> bool:
    """Renew this claim's lease just before sending it, noting when a send first began (a history read
    left part way starts over: this send is newer than its pages); False if another instance has taken
    it over."""
    started = func.coalesce(ScheduledMessage.send_started_at, now)
    values = {"claimed_at": now, "send_started_at": started, "history_cursor": None}
    with db.transaction() as session:
        changed = session.execute(
            update(ScheduledMessage).where(*_owned(claim)).values(**values),
            **NO_SESSION_SYNC,
        ).rowcount
    return changed == 1


def mark_sent(db: Database, claim: Claim, now: datetime, start_cooldown: bool = False) -> bool:
    """Record the send; with start_cooldown, the rep's nudge cooldown starts in the same transaction.

    False (and a warning) if the claim was taken over meanwhile: the row is then the other owner's to mark.
    """
    with db.transaction() as session:
        if not mark_all_sent(db, [claim], now):
            return False
        if start_cooldown:
            session.execute(
                update(Rep)
                .where(Rep.team_id == claim.key.team_id, Rep.user_id == claim.key.recipient_id)
                .values(last_nudged_at=now)
            )
    return True


def mark_all_sent(db: Database, sent: list[Claim], now: datetime) -> int:
    """Record one post's claims as sent, in one transaction (a statement per holder, not one per claim):
    how many were still ours. Those taken over meanwhile are the other owner's to mark (and logged)."""
    by_holder: dict[tuple[str, str], list[int]] = {}
    for claim in sent:
        by_holder.setdefault((claim.key.team_id, claim.token), []).append(claim.id)
    changed = 0
    with db.transaction() as session:
        for (team_id, token), ids in by_holder.items():
            ours = (ScheduledMessage.id.in_(ids), ScheduledMessage.team_id == team_id)
            changed += session.execute(
                update(ScheduledMessage)
                .where(*ours, ScheduledMessage.claimed_by == token, ScheduledMessage.status == CLAIMED)
                .values(status=SENT, sent_at=now),
                **NO_SESSION_SYNC,
            ).rowcount
    if changed != len(sent):
        first = sent[0].key
        log.warning(
            "%s of %s sent (%s %s for %s first) had their claims taken over by another instance",
            len(sent) - changed,
            len(sent),
            first.kind,
            first.period_key,
            first.recipient_id,
        )
    return changed


def mark_failed_attempt(db: Database, claim: Claim, error: str, now: datetime) -> Outcome:
    """A send failed for a reason that may pass: retry later with backoff, or give up after MAX_ATTEMPTS."""
    error = error[:200]
    if claim.attempts >= MAX_ATTEMPTS:
        values: dict = {"status": FAILED, "last_error": error, "next_attempt_at": None}
        outcome = Outcome(FAILED, claim.attempts)
    else:
        retry_at = now + backoff(claim.attempts)
        values = {"status": RETRY, "last_error": error, "next_attempt_at": retry_at}
        outcome = Outcome(RETRY, claim.attempts, retry_at)
    with db.transaction() as session:
        session.execute(update(ScheduledMessage).where(*_owned(claim)).values(**values))
    return outcome


def mark_skipped(db: Database, claim: Claim, reason: str, now: datetime, unreachable: bool = False) -> None:
    """Close a claim without sending it; with unreachable, the rep is marked so nobody tries again."""
    with db.transaction() as session:
        session.execute(update(ScheduledMessage).where(*_owned(claim)).values(status=SKIPPED, last_error=reason[:200]))
        if unreachable:
            session.execute(
                update(Rep)
                .where(Rep.team_id == claim.key.team_id, Rep.user_id == claim.key.recipient_id)
                .values(undeliverable_reason=reason[:64], undeliverable_at=now)
            )


WAITING_FOR_HISTORY = "waiting to read the DM's history"


def wait_for_history(db: Database, claim: Claim, now: datetime, read_on_from: str | None = None) -> None:
    """A resumed claim whose DM could not be read yet (Slack's history limit, an error, more pages to read):
    it may be in Slack, so it is neither sent nor failed. It is let go as abandoned again (resumed, and its
    DM read on from `read_on_from`, Slack's cursor, on a later tick), and the wait is not counted as an
    attempt: a claim is never given up on for want of a read."""
    with db.transaction() as session:
        session.execute(
            update(ScheduledMessage)
            .where(*_owned(claim))
            .values(
                claimed_at=now - LEASE,
                claimed_by="waiting for history",
                attempts=ScheduledMessage.attempts - 1,
                last_error=WAITING_FOR_HISTORY,
                history_cursor=read_on_from,
            ),
            **NO_SESSION_SYNC,
        )
