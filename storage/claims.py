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
changes nothing and says so (mark_sent returns False). The owner's marks: storage/claim_marks.py.
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
from storage.models import ScheduledMessage
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
    """A message this process now owns: send `text`/`blocks`, then mark it (storage/claim_marks.py)."""

    id: int
    key: Key
    token: str
    attempts: int
    text: str
    blocks: list
    question_id: str | None
    resumed: bool = False  # taken over from an owner who vanished mid-send: Slack may already have it
    send_started_at: datetime | None = None  # a resumed claim's first send began then: look from there
    history_cursor: str | None = None  # where the read of its DM goes on (a page a turn), none: the newest


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
                    ScheduledMessage.history_cursor,
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
                row.history_cursor if maybe_in_slack else None,
            )
    return None
