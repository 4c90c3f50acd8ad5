"""Exactly-once scheduled messages: claim in the database, then send, then mark.

A message is identified by (workspace, recipient, kind, period): the recipient is a rep for a DM, or the
celebration channel for the digest. Whoever inserts that row first owns the send;
every other process's INSERT … ON CONFLICT DO NOTHING affects no row and it moves on. A claim can be
taken over only by an atomic compare-and-set UPDATE: when its send failed and its retry time has come
(status "retry"), or when its owner vanished between claim and send (status "claimed" past the lease).
Only the process whose statement changed the row sends. Attempts are counted; after MAX_ATTEMPTS the
message is marked "failed" (and the caller logs it), so nothing is retried forever or silently lost.

A lease runs from the wall clock at the moment a claim is taken (the caller passes that moment, not the
start of its tick) and is renewed while a long fan-out is still sending (storage/queue.renew). A claim
taken over after its lease is `resumed`: before sending it again, the sender asks Slack whether the
message already arrived (bot/delivery.py reads the claim id back from the DM's message metadata), which
closes the window between Slack's answer and the "sent" mark. A mark that finds its claim taken over
changes nothing and says so (mark_sent returns False).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from storage.db import Database
from storage.models import Rep, ScheduledMessage
from storage.upsert import insert_for

log = logging.getLogger("pipeline_coach.claims")

CLAIMED, RETRY, SENT, FAILED, SKIPPED = "claimed", "retry", "sent", "failed", "skipped"
PENDING = "pending"  # planned by a job, not yet taken by any instance (storage/queue.py)
OUTSTANDING = (CLAIMED, RETRY)
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)
FIRST_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True)
class Key:
    team_id: str
    recipient_id: str  # a rep's user id (their DM), or a channel id
    kind: str
    period_key: str


@dataclass(frozen=True)
class Claim:
    """A message this process now owns: send `text`/`blocks`, then mark it with the functions below."""

    id: int
    key: Key
    token: str
    attempts: int
    text: str
    blocks: list
    question_id: str | None
    resumed: bool = False  # taken over from an owner who vanished mid-send: Slack may already have it
    send_started_at: datetime | None = None  # a resumed claim's first send began then: look from there


@dataclass(frozen=True)
class Outcome:
    status: str
    attempts: int
    next_attempt_at: datetime | None = None


def new_token() -> str:
    """Who holds a claim: host, process and a random part, so two schedulers in one process differ too."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 5, 10, 20, 40 minutes."""
    return FIRST_BACKOFF * (2 ** max(attempts - 1, 0))


def claim(
    db: Database,
    key: Key,
    text: str,
    blocks: list,
    now: datetime,
    question_id: str | None = None,
) -> Claim | None:
    """Claim a new message under its key, or take over a due retry or an abandoned claim; None if not ours.

    The payload is stored with the claim, so a retry sends exactly what was first rendered.
    """
    token = new_token()
    payload = json.dumps({"text": text, "blocks": blocks})
    statement = (
        insert_for(db)(ScheduledMessage)
        .values(
            team_id=key.team_id,
            recipient_id=key.recipient_id,
            kind=key.kind,
            period_key=key.period_key,
            status=CLAIMED,
            attempts=1,
            claimed_at=now,
            claimed_by=token,
            payload=payload,
            question_id=question_id,
        )
        .on_conflict_do_nothing(index_elements=["team_id", "recipient_id", "kind", "period_key"])
        .returning(ScheduledMessage.id)
    )
    with db.transaction() as session:
        row_id = session.execute(statement).scalar()
    if row_id is not None:
        return Claim(row_id, key, token, 1, text, blocks, question_id)
    return _take_over(db, _key_filter(key), now)


def take_over_due(db: Database, team_id: str, kind: str, now: datetime) -> list[Claim]:
    """Claims of one kind in a workspace whose retry is due or whose owner vanished, now owned by us.

    A claim abandoned after its last allowed attempt is marked failed (and logged) instead of retried.
    """
    with db.transaction() as session:
        ids = session.scalars(
            select(ScheduledMessage.id).where(
                ScheduledMessage.team_id == team_id, ScheduledMessage.kind == kind, due(now)
            )
        ).all()
    taken = [
        _take_over(db, (ScheduledMessage.id == row_id, ScheduledMessage.team_id == team_id), now) for row_id in ids
    ]
    return [found for found in taken if found is not None]


def due(now: datetime):
    """A retry whose time has come, or a claim whose owner vanished (past its lease) after rendering it (one
    taken from the queue but never rendered goes back to the queue instead: storage/queue.py)."""
    return or_(
        and_(ScheduledMessage.status == RETRY, ScheduledMessage.next_attempt_at <= now),
        and_(abandoned(now), ScheduledMessage.payload != ""),
    )


def abandoned(now: datetime):
    return and_(ScheduledMessage.status == CLAIMED, ScheduledMessage.claimed_at < now - LEASE)


def _key_filter(key: Key) -> tuple:
    return (
        ScheduledMessage.team_id == key.team_id,
        ScheduledMessage.recipient_id == key.recipient_id,
        ScheduledMessage.kind == key.kind,
        ScheduledMessage.period_key == key.period_key,
    )


def _take_over(db: Database, where: tuple, now: datetime) -> Claim | None:
    """Compare-and-set: only one process's UPDATE matches a due row (RETURNING tells it so); it gets the claim."""
    token = new_token()
    with db.transaction() as session:
        exhausted = session.execute(
            update(ScheduledMessage)
            .where(*where, due(now), ScheduledMessage.attempts >= MAX_ATTEMPTS)
            .values(status=FAILED, last_error=func.coalesce(ScheduledMessage.last_error, "abandoned"))
            .returning(ScheduledMessage.kind, ScheduledMessage.period_key, ScheduledMessage.recipient_id)
        ).first()
    if exhausted is not None:
        log.error(
            "gave up on %s %s for %s: abandoned after %s attempts",
            exhausted.kind,
            exhausted.period_key,
            exhausted.recipient_id,
            MAX_ATTEMPTS,
        )
        return None
    for resumed, which in ((True, and_(abandoned(now), ScheduledMessage.payload != "")), (False, due(now))):
        with db.transaction() as session:
            row = session.execute(
                update(ScheduledMessage)
                .where(*where, which, ScheduledMessage.attempts < MAX_ATTEMPTS)
                .values(
                    status=CLAIMED,
                    claimed_at=now,
                    claimed_by=token,
                    attempts=ScheduledMessage.attempts + 1,
                    next_attempt_at=None,
                )
                .returning(
                    ScheduledMessage.id,
                    ScheduledMessage.team_id,
                    ScheduledMessage.recipient_id,
                    ScheduledMessage.kind,
                    ScheduledMessage.period_key,
                    ScheduledMessage.attempts,
                    ScheduledMessage.payload,
                    ScheduledMessage.question_id,
                    ScheduledMessage.send_started_at,
                )
            ).first()
        if row is not None:
            payload = json.loads(row.payload)
            key = Key(row.team_id, row.recipient_id, row.kind, row.period_key)
            started = row.send_started_at
            maybe_in_slack = resumed and started is not None  # never started: it cannot be in Slack
            return Claim(
                row.id,
                key,
                token,
                row.attempts,
                payload["text"],
                payload["blocks"],
                row.question_id,
                maybe_in_slack,
                started if maybe_in_slack else None,
            )
    return None


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
    """Renew this claim's lease just before sending it, noting when a send first began; False if another
    instance has taken it over."""
    started = func.coalesce(ScheduledMessage.send_started_at, now)
    with db.transaction() as session:
        changed = session.execute(
            update(ScheduledMessage).where(*_owned(claim)).values(claimed_at=now, send_started_at=started),
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


def wait_for_history(db: Database, claim: Claim, now: datetime) -> None:
    """A resumed claim whose DM could not be read yet (Slack's history limit, an error): it may be in Slack,
    so it is neither sent nor failed. It is let go as abandoned again (resumed, and its DM read, on a later
    tick), and the wait is not counted as an attempt: a claim is never given up on for want of a read."""
    with db.transaction() as session:
        session.execute(
            update(ScheduledMessage)
            .where(*_owned(claim))
            .values(
                claimed_at=now - LEASE,
                claimed_by="waiting for history",
                attempts=ScheduledMessage.attempts - 1,
                last_error=WAITING_FOR_HISTORY,
            ),
            **NO_SESSION_SYNC,
        )
