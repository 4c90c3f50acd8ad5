"""The outbox as a work queue shared by every instance: plan, take, renew.

A job first *plans* a slot: one set-based INSERT … ON CONFLICT DO NOTHING of every due key as a `pending`
row, whoever runs it (planning twice plans nothing new). Instances then *take* pending rows in batches,
oldest due first: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, so two instances never wait for
or take the same row; on SQLite the single writer makes the same UPDATE atomic. The batch's payload is
stored in the transaction that claims it, so a crash mid-render leaves the rows pending, and no Slack
call is ever spent on a row another instance holds (on PostgreSQL no rendering either; on SQLite, one
instance only, the batch is rendered just before its claim so the writer is free meanwhile). A taken
row is `claimed` by the instance's token; its lease runs from the wall clock and is renewed while the
batch is being sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from storage.claims import CLAIMED, PENDING, SKIPPED, Claim, Key
from storage.db import Database
from storage.models import ScheduledMessage
from storage.upsert import insert_for


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
    """Take up to `size` pending rows (oldest due first), render them, and claim them.

    PostgreSQL: one transaction, the rows locked (SKIP LOCKED) before they are rendered. SQLite: the rows
    are read and rendered first, then claimed and stored in one short write, so SQLite's single writer is
    never held while a batch renders (people saving a deal would wait behind it); a row claimed meanwhile
    by someone else is left out by the claim itself, and a batch lost whole to another instance is read
    again: an empty answer always means nothing is left to take."""
    oldest = (
        select(ScheduledMessage.id)
        .where(ScheduledMessage.team_id == team_id, ScheduledMessage.kind == kind, ScheduledMessage.status == PENDING)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(size)
    )
    while db.dialect != "postgresql":  # again only if another instance claimed every row read meanwhile
        with db.transaction() as session:
            chosen = list(session.scalars(oldest))
        if not chosen:
            return []
        candidates = _claim(db, chosen, token, now, dry_run=True)
        rendered = render(candidates) if candidates else {}
        with db.transaction():
            claimed = {row.id for row in _claim(db, chosen, token, now)}
            if claimed:
                taken = [row for row in candidates if row.id in claimed]  # oldest first, as read
                return _store(db, team_id, kind, token, taken, rendered)
    with db.transaction() as session:
        # Locked by this transaction until it commits; every other instance's SELECT skips them.
        chosen = list(session.scalars(oldest.with_for_update(skip_locked=True)))
        taken = _claim(db, chosen, token, now) if chosen else []
        if not taken:
            return []
        return _store(db, team_id, kind, token, taken, render(taken))


def _claim(db: Database, chosen: list[int], token: str, now: datetime, dry_run: bool = False) -> list[Taken]:
    """Claim the chosen rows still pending (dry_run: only read them); what the renderer needs of each."""
    columns = (ScheduledMessage.id, ScheduledMessage.recipient_id, ScheduledMessage.period_key, ScheduledMessage.due_at)
    still_pending = (ScheduledMessage.id.in_(chosen), ScheduledMessage.status == PENDING)
    with db.transaction() as session:
        if dry_run:
            rows = session.execute(
                select(*columns).where(*still_pending).order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            )
        else:
            values = {
                "status": CLAIMED,
                "claimed_at": now,
                "claimed_by": token,
                "attempts": ScheduledMessage.attempts + 1,
            }
            rows = session.execute(update(ScheduledMessage).where(*still_pending).values(**values).returning(*columns))
        return [Taken(row.id, row.recipient_id, row.period_key, row.due_at) for row in rows]


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
    by_id = table.c.id == bindparam("row_id")
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
