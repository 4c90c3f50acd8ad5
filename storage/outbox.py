"""Reading the outbox (storage/claims.py writes it): who has a message outstanding, which periods are
already claimed, which questions each rep was asked lately, and every row for operators and tests.
One query per workspace each, never one per rep."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from storage.claim_marks import WAITING_FOR_HISTORY
from storage.claims import CLAIMED, OUTSTANDING, PENDING, RETRY, SENT, due
from storage.db import Database
from storage.models import ScheduledMessage


def outstanding_recipients(db: Database, team_id: str, kind: str, among: Collection[str] | None = None) -> set[str]:
    """Recipients (of all, or `among` these) with a message of this kind claimed or waiting for a retry,
    so no second one is started."""
    query = select(ScheduledMessage.recipient_id).where(
        ScheduledMessage.team_id == team_id,
        ScheduledMessage.kind == kind,
        ScheduledMessage.status.in_((*OUTSTANDING, PENDING)),
    )
    if among is not None:
        if not among:
            return set()
        query = query.where(ScheduledMessage.recipient_id.in_(sorted(set(among))))
    with db.transaction() as session:
        return set(session.scalars(query.distinct()))


def existing_keys(db: Database, team_id: str, kind: str, period_keys: set[str]) -> set[tuple[str, str]]:
    """(user, period) pairs already claimed in any state, for the given periods: one query per workspace."""
    if not period_keys:
        return set()
    with db.transaction() as session:
        rows = session.execute(
            select(ScheduledMessage.recipient_id, ScheduledMessage.period_key).where(
                ScheduledMessage.team_id == team_id,
                ScheduledMessage.kind == kind,
                ScheduledMessage.period_key.in_(sorted(period_keys)),
            )
        )
        return {(row.recipient_id, row.period_key) for row in rows}


def recent_question_ids(
    db: Database, team_id: str, since: datetime, recipients: Collection[str] | None = None
) -> dict[str, set[str]]:
    """The questions each rep in the workspace (or among `recipients`) was sent (or is being sent) since a
    moment, in one query."""
    query = select(ScheduledMessage.recipient_id, ScheduledMessage.question_id).where(
        ScheduledMessage.team_id == team_id,
        ScheduledMessage.question_id.is_not(None),
        ScheduledMessage.claimed_at >= since,
        ScheduledMessage.status.in_((CLAIMED, RETRY, SENT)),
    )
    if recipients is not None:
        query = query.where(ScheduledMessage.recipient_id.in_(sorted(recipients)))
    with db.transaction() as session:
        rows = session.execute(query)
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row.recipient_id, set()).add(row.question_id)
        return found


@dataclass(frozen=True)
class MessageRecord:
    id: int
    recipient_id: str
    kind: str
    period_key: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None


def messages_for(db: Database, team_id: str, recipient_id: str | None = None) -> list[MessageRecord]:
    """The outbox rows of a workspace (or one rep), oldest first: for operators and tests."""
    query = select(ScheduledMessage).where(ScheduledMessage.team_id == team_id)
    if recipient_id is not None:
        query = query.where(ScheduledMessage.recipient_id == recipient_id)
    with db.transaction() as session:
        return [
            MessageRecord(
                row.id,
                row.recipient_id,
                row.kind,
                row.period_key,
                row.status,
                row.attempts,
                row.next_attempt_at,
                row.sent_at,
                row.last_error,
            )
            for row in session.scalars(query.order_by(ScheduledMessage.id))
        ]


def teams_with_waiting(db: Database, kind: str, now: datetime) -> list[str]:
    """Workspaces with a message of this kind planned and not yet taken, due for a retry, or abandoned by
    an owner who vanished (the status index finds them)."""
    waiting = or_(ScheduledMessage.status == PENDING, due(now))
    open_states = ScheduledMessage.status.in_((PENDING, *OUTSTANDING))  # the index skips what is settled
    with db.transaction() as session:
        query = select(ScheduledMessage.team_id).where(open_states, ScheduledMessage.kind == kind, waiting)
        return sorted(set(session.scalars(query.distinct())))


def any_outstanding(db: Database, kind: str) -> bool:
    """Is any message of this kind claimed or waiting for its retry, in any workspace?"""
    with db.transaction() as session:
        query = select(ScheduledMessage.id).where(
            ScheduledMessage.kind == kind, ScheduledMessage.status.in_(OUTSTANDING)
        )
        return session.scalar(query.limit(1)) is not None


def waiting_for_history(db: Database, team_id: str) -> int:
    """How many claims of a workspace wait for their DM's history to be read before they may be sent."""
    with db.transaction() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    ScheduledMessage.team_id == team_id,
                    ScheduledMessage.status == CLAIMED,
                    ScheduledMessage.last_error == WAITING_FOR_HISTORY,
                )
            )
            or 0
        )
