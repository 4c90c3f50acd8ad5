"""The outbox as a work queue shared by every instance: plan, take, renew.

A job first *plans* a slot: one set-based INSERT … ON CONFLICT DO NOTHING of every due key as a `pending`
row, whoever runs it (planning twice plans nothing new). Instances then *take* pending rows in batches,
oldest due first: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, so two instances never wait for
or take the same row; on SQLite the single writer makes the same UPDATE atomic. The take commits before
the batch is rendered, so no transaction waits on rendering (nor on Slack); the payload is stored in a
second short write. A crash mid-render leaves rows claimed without a payload: nothing of them reached
Slack, so once their lease runs out they go back to pending, never to a resumed send. No Slack call is
ever spent on a row another instance holds. A taken row is `claimed` by the instance's token; its lease
runs from the wall clock and is renewed while the batch is being rendered and sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, select, update

from storage.claims import CLAIMED, LEASE, PENDING, SKIPPED, Claim, Key
from storage.db import Database
from storage.models import ScheduledMessage
from storage.rows import columns_of, read_row
from storage.upsert import insert_for


@dataclass(frozen=True)
class Planned:
    recipient_id: str
    period_key: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class Taken(Planned):
    """A planned row this instance took, for the renderer: its id, who, which period, when it fell due."""

    id: int
    due_at: datetime | None  # the column is nullable: rows written outside the queue (claims.claim) have none


# What a renderer returns per taken row: (text, blocks, question_id) to send, or a reason to skip it.
Rendered = tuple[str, list, str | None] | str
Renderer = Callable[[list[Taken]], dict[int, Rendered]]


PLAN_CHUNK = 2000  # rows a planning transaction inserts: each stays far under the statement timeout


def plan(db: Database, team_id: str, kind: str, due: Iterable[Planned], token: str, now: datetime) -> None:
    """Insert every due key as pending, PLAN_CHUNK keys a statement (keys already there, in any state, are
    left alone, so a plan cut short is finished by the next one)."""
    due = list(due)
    for start in range(0, len(due), PLAN_CHUNK):
        _plan_chunk(db, team_id, kind, due[start : start + PLAN_CHUNK], token, now)


def _plan_chunk(db: Database, team_id: str, kind: str, due: list[Planned], token: str, now: datetime) -> None:
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
    statement = insert_for(db)(ScheduledMessage.__table__).on_conflict_do_nothing(
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
    """Take up to `size` pending rows (oldest due first) and commit, then render them, then store them.

    The take is one short transaction (PostgreSQL: SKIP LOCKED, so two instances never wait for or take
    the same row; SQLite: the UPDATE's "still pending" leaves out rows another instance claimed, and a
    batch lost whole is read again, so an empty answer always means nothing is left). Rendering runs after
    the commit, outside any transaction: no lock, statement timeout or single writer waits on it. A taken
    row has no payload until it is stored: if the render raises, the batch goes back to pending at once;
    if the instance dies, the rows go back once their lease runs out (nothing of them reached Slack)."""
    requeue_unrendered(db, team_id, kind, now)
    oldest = (
        select(ScheduledMessage.id)
        .where(ScheduledMessage.team_id == team_id, ScheduledMessage.kind == kind, ScheduledMessage.status == PENDING)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(size)
    )
    if db.dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)  # locked until the claim commits; others skip them
    while True:
        with db.transaction() as session:
            chosen = list(session.scalars(oldest))
            taken = _claim(db, chosen, token, now) if chosen else []
        if not chosen:
            return []
        if taken:
            break
    try:
        rendered = render(taken)
    except BaseException:
        _release(db, token, [row.id for row in taken])
        raise
    return _store(db, team_id, kind, token, taken, rendered)


def _unrendered():
    """A claim taken from the queue whose payload was never stored: it cannot have been sent."""
    return (ScheduledMessage.status == CLAIMED, ScheduledMessage.payload == "")


def requeue_unrendered(db: Database, team_id: str, kind: str, now: datetime) -> int:
    """Rows an instance took but died before rendering (past their lease) go back to pending; how many."""
    with db.transaction() as session:
        return session.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.team_id == team_id,
                ScheduledMessage.kind == kind,
                *_unrendered(),
                ScheduledMessage.claimed_at < now - LEASE,
            )
            .values(status=PENDING)
        ).rowcount


def _release(db: Database, token: str, ids: list[int]) -> None:
    """A batch whose render failed goes back to pending at once, for the next take (here or elsewhere)."""
    with db.transaction() as session:
        session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.id.in_(ids), ScheduledMessage.claimed_by == token, *_unrendered())
            .values(status=PENDING)
        )


def _claim(db: Database, chosen: list[int], token: str, now: datetime) -> list[Taken]:
    """Claim the chosen rows still pending; what the renderer needs of each, oldest due first."""
    columns = columns_of(Taken, ScheduledMessage)
    still_pending = (ScheduledMessage.id.in_(chosen), ScheduledMessage.status == PENDING)
    values = {"status": CLAIMED, "claimed_at": now, "claimed_by": token, "attempts": ScheduledMessage.attempts + 1}
    with db.transaction() as session:
        rows = session.execute(update(ScheduledMessage).where(*still_pending).values(**values).returning(*columns))
        taken = [read_row(Taken, row) for row in rows]
    order = {row_id: place for place, row_id in enumerate(chosen)}
    return sorted(taken, key=lambda row: order[row.id])


def _store(
    db: Database, team_id: str, kind: str, token: str, taken: list[Taken], rendered: dict[int, Rendered]
) -> list[Claim]:
    """Store each taken row's payload (or skip it with the renderer's reason); the claims to send."""
    sends, skips = [], []
    for row in taken:
        result = rendered.get(row.id, "not due any more")
        if isinstance(result, str):
            skips.append({"row_id": row.id, "reason": result[:200]})
        else:
            text, blocks, question_id = result
            sends.append(
                {"row_id": row.id, "payload": json.dumps({"text": text, "blocks": blocks}), "question": question_id}
            )
    table = ScheduledMessage.__table__
    by_id = and_(table.c.id == bindparam("row_id"), table.c.claimed_by == token)  # still ours
    with db.transaction() as session:
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
