"""The outbox as a work queue shared by every instance: plan, take, renew.

A job first *plans* a slot: one set-based INSERT … ON CONFLICT DO NOTHING of every due key as a `pending`
row, whoever runs it (planning twice plans nothing new). Instances then *take* pending rows in batches,
oldest due first: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, so two instances never wait for
or take the same row; on SQLite the single writer makes the same UPDATE atomic. The batch is rendered and
its payload stored in the transaction that took it, so a crash mid-render leaves the rows pending, and no
rendering or Slack call is ever spent on a row another instance holds. A taken row is `claimed` by the
instance's token; its lease runs from the wall clock and is renewed while the batch is being sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from storage.claims import CLAIMED, PENDING, SKIPPED, Claim, Key, _insert
from storage.db import Database
from storage.models import ScheduledMessage


@dataclass(frozen=True)
class Planned:
    recipient_id: str
    period_key: str
    due_at: datetime


@dataclass(frozen=True)
class Taken:
    """A row this instance took, for the renderer: who, which period, when it fell due."""

    id: int
    recipient_id: str
    period_key: str
    due_at: datetime | None


# What a renderer returns per taken row: (text, blocks, question_id) to send, or a reason to skip it.
Rendered = tuple[str, list, str | None] | str
Renderer = Callable[[list[Taken]], dict[int, Rendered]]


def plan(db: Database, team_id: str, kind: str, due: Iterable[Planned], token: str, now: datetime) -> None:
    """Insert every due key as pending in one statement (keys already there, in any state, are left alone)."""
    rows = [
        {
            "team_id": team_id,
            "recipient_id": item.recipient_id,
            "kind": kind,
            "period_key": item.period_key,
            "status": PENDING,
            "attempts": 0,
            "claimed_at": now,
            "claimed_by": token,
            "payload": "",
            "due_at": item.due_at,
        }
        for item in due
    ]
    if not rows:
        return
    statement = _insert(db)(ScheduledMessage.__table__).on_conflict_do_nothing(
        index_elements=["team_id", "recipient_id", "kind", "period_key"]
    )
    with db.transaction() as session:
        session.connection().execute(statement, rows)


def pending_count(db: Database, team_id: str, kind: str) -> tuple[int, datetime | None]:
    """How many are waiting to be taken, and the oldest due moment among them."""
    with db.transaction() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(ScheduledMessage.due_at)).where(
                ScheduledMessage.team_id == team_id, ScheduledMessage.kind == kind, ScheduledMessage.status == PENDING
            )
        ).one()
    return int(count), oldest


def take(db: Database, team_id: str, kind: str, size: int, token: str, now: datetime, render: Renderer) -> list[Claim]:
    """Take up to `size` pending rows (oldest due first), render them, and claim them, in one transaction."""
    oldest = (
        select(ScheduledMessage.id)
        .where(ScheduledMessage.team_id == team_id, ScheduledMessage.kind == kind, ScheduledMessage.status == PENDING)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(size)
    )
    with db.transaction() as session:
        if db.dialect == "postgresql":
            # Locked by this transaction until it commits; every other instance's SELECT skips them.
            chosen = list(session.scalars(oldest.with_for_update(skip_locked=True)))
        else:
            chosen = oldest.scalar_subquery()  # SQLite: one UPDATE, atomic under its single writer
        taken = []
        if db.dialect != "postgresql" or chosen:
            taking = (
                update(ScheduledMessage)
                .where(ScheduledMessage.id.in_(chosen), ScheduledMessage.status == PENDING)
                .values(status=CLAIMED, claimed_at=now, claimed_by=token, attempts=ScheduledMessage.attempts + 1)
                .returning(
                    ScheduledMessage.id,
                    ScheduledMessage.recipient_id,
                    ScheduledMessage.period_key,
                    ScheduledMessage.due_at,
                )
            )
            taken = [Taken(row.id, row.recipient_id, row.period_key, row.due_at) for row in session.execute(taking)]
        if not taken:
            return []
        rendered = render(taken)
        sends, skips = [], []
        for row in taken:
            result = rendered.get(row.id, "not due any more")
            if isinstance(result, str):
                skips.append({"row_id": row.id, "reason": result[:200]})
            else:
                text, blocks, question_id = result
                sends.append(
                    {
                        "row_id": row.id,
                        "payload": json.dumps({"text": text, "blocks": blocks}),
                        "question": question_id,
                    }
                )
        table = ScheduledMessage.__table__
        by_id = table.c.id == bindparam("row_id")
        if sends:
            session.execute(
                update(table).where(by_id).values(payload=bindparam("payload"), question_id=bindparam("question")),
                sends,
            )
        if skips:
            session.execute(update(table).where(by_id).values(status=SKIPPED, last_error=bindparam("reason")), skips)
    claims = []
    payloads = {item["row_id"]: item for item in sends}
    for row in taken:
        if row.id in payloads:
            payload = json.loads(payloads[row.id]["payload"])
            key = Key(team_id, row.recipient_id, kind, row.period_key)
            claims.append(
                Claim(row.id, key, token, 1, payload["text"], payload["blocks"], payloads[row.id]["question"])
            )
    return claims


def renew(db: Database, token: str, now: datetime) -> int:
    """Extend the lease of every claim this instance still holds (one statement); returns how many."""
    with db.transaction() as session:
        result = session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.claimed_by == token, ScheduledMessage.status == CLAIMED)
            .values(claimed_at=now)
        )
        return result.rowcount
