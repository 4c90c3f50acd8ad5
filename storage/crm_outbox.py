"""Exactly-once CRM writes: enqueue, claim, call, mark (the discipline of storage/claims.py).

A change made in Slack is enqueued as a row keyed by (workspace, provider, opportunity, change): "create"
for a new deal, so a deal is created at most once, and the change's time for a later one. A sender takes a
row only by an atomic compare-and-set UPDATE (pending, a due retry, or a claim abandoned past its lease),
so two instances never send the same row. Failures are retried with backoff, then marked failed. What
goes out is the opportunity as it stands at send time, so a late retry never sends stale values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from storage.claims import CLAIMED, FAILED, LEASE, PENDING, RETRY, SENT, new_token
from storage.crm import insert_once
from storage.db import Database
from storage.models import CrmOutbox
from storage.rows import columns_of, read_row

SUPERSEDED = "superseded"  # the CRM had a newer change, which won (the other statuses are storage/claims.py's)
CREATE = "create"
MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(minutes=1)


@dataclass(frozen=True)
class WriteRow:
    """What every read of a CRM outbox row holds: the row, the deal, which change, the tries so far."""

    id: int
    opportunity_id: int
    change_key: str
    attempts: int

    @property
    def is_create(self) -> bool:
        return self.change_key == CREATE


@dataclass(frozen=True, kw_only=True)
class Write(WriteRow):
    """A CRM write this process now owns."""

    team_id: str
    provider: str
    changed_at: datetime
    token: str


@dataclass(frozen=True, kw_only=True)
class WriteRecord(WriteRow):
    """A CRM write's standing: its status, when it is tried next, why it last failed."""

    status: str
    next_attempt_at: datetime | None
    last_error: str | None


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 minutes after the 1st…5th failed try."""
    return FIRST_BACKOFF * (2 ** max(attempts - 1, 0))


def enqueue(
    db: Database, team_id: str, provider: str, opportunity_id: int, change_key: str, changed_at: datetime
) -> bool:
    """Queue one write; the same change queued twice is one row. True if this call added it."""
    return insert_once(db, CrmOutbox, team_id=team_id, provider=provider, opportunity_id=opportunity_id,
                       change_key=change_key[:40], changed_at=changed_at, status=PENDING, attempts=0)  # fmt: skip


def _due(now: datetime):
    return or_(
        CrmOutbox.status == PENDING,
        and_(CrmOutbox.status == RETRY, CrmOutbox.next_attempt_at <= now),
        and_(CrmOutbox.status == CLAIMED, CrmOutbox.claimed_at < now - LEASE),
    )


def claim_due(db: Database, team_id: str, provider: str, now: datetime, limit: int = 200) -> list[Write]:
    """Due writes of a workspace, oldest first, taken together by one compare-and-set UPDATE: a row another
    sender took meanwhile is no longer due when the UPDATE reaches it, so it is skipped, never shared."""
    token = new_token()
    with db.transaction() as session:
        ids = session.scalars(
            select(CrmOutbox.id).where(*_of(team_id, provider, _due(now))).order_by(CrmOutbox.id).limit(limit)
        ).all()
        if not ids:
            return []
        rows = session.execute(
            update(CrmOutbox)
            .where(CrmOutbox.id.in_(ids), _due(now))
            .values(status=CLAIMED, claimed_at=now, claimed_by=token, attempts=CrmOutbox.attempts + 1)
            .returning(*columns_of(Write, CrmOutbox))
        ).all()
    return sorted((read_row(Write, row, token=token) for row in rows), key=lambda write: write.id)


def _owned(write: Write) -> tuple:
    return (CrmOutbox.id == write.id, CrmOutbox.claimed_by == write.token, CrmOutbox.status == CLAIMED)


def mark_sent(db: Database, writes: list[Write], now: datetime) -> None:
    """These writes went out (or need not): one UPDATE, each row only while this sender still holds it."""
    if not writes:
        return
    ours = or_(*(and_(*_owned(write)) for write in writes))
    with db.transaction() as session:
        session.execute(update(CrmOutbox).where(ours).values(status=SENT, sent_at=now, last_error=None))


def mark_failed_attempt(db: Database, write: Write, error: str, now: datetime, wait: timedelta | None = None) -> str:
    """Retry later with backoff (or after `wait`, e.g. a Retry-After), or give up after MAX_ATTEMPTS."""
    if write.attempts >= MAX_ATTEMPTS:
        values: dict = {"status": FAILED, "next_attempt_at": None}
    else:
        values = {"status": RETRY, "next_attempt_at": now + max(wait or timedelta(0), backoff(write.attempts))}
    with db.transaction() as session:
        session.execute(update(CrmOutbox).where(*_owned(write)).values(last_error=error[:200], **values))
    return values["status"]


def release(db: Database, write: Write, now: datetime, reason: str) -> None:
    """Not sendable yet (its create has not gone out): back to pending, the attempt not counted."""
    with db.transaction() as session:
        session.execute(
            update(CrmOutbox)
            .where(*_owned(write))
            .values(status=RETRY, attempts=CrmOutbox.attempts - 1, next_attempt_at=now, last_error=reason[:200])
        )


def _of(team_id: str, provider: str, *where) -> tuple:
    return (CrmOutbox.team_id == team_id, CrmOutbox.provider == provider, *where)


def supersede(db: Database, team_id: str, provider: str, opportunity_id: int, before: datetime) -> int:
    """The CRM's newer change won: our older pending updates of that deal are not sent."""
    older = (CrmOutbox.change_key != CREATE, CrmOutbox.status.in_((PENDING, RETRY)), CrmOutbox.changed_at < before)
    with db.transaction() as session:
        done = session.execute(
            update(CrmOutbox).where(*_of(team_id, provider, CrmOutbox.opportunity_id == opportunity_id, *older))
            .values(status=SUPERSEDED)
        )  # fmt: skip
        return done.rowcount or 0


def create_outstanding(db: Database, team_id: str, provider: str, opportunity_id: int) -> bool:
    """Whether the deal's create is still to be sent (so its updates wait rather than fail)."""
    create = (CrmOutbox.opportunity_id == opportunity_id, CrmOutbox.change_key == CREATE)
    with db.transaction() as session:
        found = session.scalar(select(CrmOutbox.id).where(*_of(team_id, provider, *create, _outstanding())))
        return found is not None


def _outstanding():
    return CrmOutbox.status.in_((PENDING, RETRY, CLAIMED))


def pending_changes(db: Database, team_id: str, provider: str) -> dict[int, datetime]:
    """Opportunities with a Slack change not yet written to the CRM, and the time of the newest one."""
    with db.transaction() as session:
        rows = session.execute(
            select(CrmOutbox.opportunity_id, CrmOutbox.changed_at).where(*_of(team_id, provider, _outstanding()))
        )
        found: dict[int, datetime] = {}
        for opportunity_id, changed_at in rows:
            found[opportunity_id] = max(changed_at, found.get(opportunity_id, changed_at))
        return found


def waiting_counts(db: Database) -> dict[tuple[str, str], int]:
    """How many writes each (workspace, provider) has still to send, counted in SQL."""
    with db.transaction() as session:
        rows = session.execute(
            select(CrmOutbox.team_id, CrmOutbox.provider, func.count())
            .where(_outstanding())
            .group_by(CrmOutbox.team_id, CrmOutbox.provider)
        )
        return {(team_id, provider): count for team_id, provider, count in rows}


def writes_for(db: Database, team_id: str) -> list[WriteRecord]:
    with db.transaction() as session:
        rows = session.scalars(select(CrmOutbox).where(CrmOutbox.team_id == team_id).order_by(CrmOutbox.id))
        return [read_row(WriteRecord, row) for row in rows]


def note_sending(db: Database, write: Write, values: str) -> None:
    """Record what this create is about to send (it is ours: claimed by `write.token`)."""
    with db.transaction() as session:
        session.execute(update(CrmOutbox).where(*_owned(write)).values(sent_values=values[:800]))


def sent_creates(db: Database, team_id: str, provider: str) -> dict[int, tuple[str, str]]:
    """Outstanding creates that were sent at least once with their values recorded, by opportunity: (the
    change's time as ISO text, the values). Their answers may have been lost."""
    where = _of(team_id, provider, CrmOutbox.change_key == CREATE, _outstanding(), CrmOutbox.sent_values.is_not(None))
    with db.transaction() as session:
        rows = session.execute(
            select(CrmOutbox.opportunity_id, CrmOutbox.changed_at, CrmOutbox.sent_values).where(*where)
        )
        return {row.opportunity_id: (row.changed_at.isoformat(), row.sent_values) for row in rows}


def close_create(db: Database, team_id: str, provider: str, opportunity_id: int, now: datetime) -> None:
    """The create's deal was found in the CRM: the create is done, whoever holds its claim."""
    where = _of(team_id, provider, CrmOutbox.opportunity_id == opportunity_id, CrmOutbox.change_key == CREATE)
    with db.transaction() as session:
        session.execute(update(CrmOutbox).where(*where, _outstanding()).values(status=SENT, sent_at=now))
