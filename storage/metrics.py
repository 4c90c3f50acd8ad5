"""What GET /metrics reads from the database at scrape time: the outbox's unfinished rows by kind and state
(both outboxes in one aggregate statement), and when each workspace's CRM sync last succeeded.

Sent and skipped rows are history, not work: they are left out, so the count never grows with the
outbox's age and the statement reads only the rows the (status, next_attempt_at) indexes lead to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, type_coerce, union_all

from storage.claims import CLAIMED, FAILED, PENDING, RETRY
from storage.db import Database
from storage.models import CrmOutbox, CrmSyncState, ScheduledMessage
from storage.types import UtcDateTime

WATCHED_STATES = (PENDING, CLAIMED, RETRY, FAILED)
CRM_WRITES = "crm_write"  # the CRM outbox's rows, as one kind beside the scheduled messages' kinds


@dataclass(frozen=True)
class OutboxState:
    kind: str
    state: str
    rows: int
    oldest: datetime | None  # the earliest moment one of these rows was waiting for (due, retry time, claim)


@dataclass(frozen=True)
class CrmSync:
    team_id: str
    provider: str
    last_success_at: datetime | None


def outbox_states(db: Database) -> list[OutboxState]:
    """Unfinished outbox rows grouped by kind and state, with the oldest waiting moment of each group."""
    messages = (
        select(
            ScheduledMessage.kind.label("kind"),
            ScheduledMessage.status.label("state"),
            func.count().label("rows"),
            _earliest(ScheduledMessage.next_attempt_at, ScheduledMessage.due_at, ScheduledMessage.claimed_at),
        )
        .where(ScheduledMessage.status.in_(WATCHED_STATES))
        .group_by(ScheduledMessage.kind, ScheduledMessage.status)
    )
    writes = (
        select(
            literal(CRM_WRITES).label("kind"),
            CrmOutbox.status.label("state"),
            func.count().label("rows"),
            _earliest(CrmOutbox.next_attempt_at, CrmOutbox.claimed_at, CrmOutbox.changed_at),
        )
        .where(CrmOutbox.status.in_(WATCHED_STATES))
        .group_by(CrmOutbox.status)
    )
    statement = union_all(messages, writes)
    with db.transaction() as session:
        rows = session.execute(statement).all()
    return [OutboxState(row.kind, row.state, int(row.rows), row.oldest) for row in rows]


def crm_syncs(db: Database) -> list[CrmSync]:
    """Every workspace's CRM sync state: one row per workspace and provider."""
    statement = select(CrmSyncState.team_id, CrmSyncState.provider, CrmSyncState.last_success_at)
    with db.transaction() as session:
        return [CrmSync(row.team_id, row.provider, row.last_success_at) for row in session.execute(statement)]


def _earliest(*moments):
    """The group's earliest of the first set moment of each row, read back as an aware UTC datetime."""
    return type_coerce(func.min(func.coalesce(*moments)), UtcDateTime()).label("oldest")
