"""Calendar connections: a rep's feed (its address sealed by the caller), the validators of its last read,
its failures and backoff; taken for reading by moving the next read (a lease), so instances share them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from storage.db import Database
from storage.models import CalendarConnection, CapturedTime, DomainChoice
from storage.upsert import insert_for


@dataclass(frozen=True)
class Connection:
    id: int
    team_id: str
    user_id: str
    sealed_address: str
    host: str
    feed: str
    own_email: str | None
    etag: str | None
    last_modified: str | None
    connected_at: datetime
    last_read_at: datetime | None
    last_success_at: datetime | None
    failures: int
    failing_since: datetime | None
    last_error: str | None
    found: int


def _connection(row: CalendarConnection) -> Connection:
    return Connection(
        row.id, row.team_id, row.user_id, row.address, row.host, row.feed, row.own_email, row.etag,
        row.last_modified, row.connected_at, row.last_read_at, row.last_success_at, row.failures,
        row.failing_since, row.last_error, row.found,
    )  # fmt: skip


def save_connection(
    db: Database, team_id: str, user_id: str, sealed: str, host: str, feed: str, own_email: str | None, now: datetime
) -> None:
    """Connect (or replace) the rep's calendar; the next read is due at once."""
    values = dict(address=sealed, host=host, feed=feed, own_email=own_email, etag=None, last_modified=None)
    values |= dict(connected_at=now, next_read_at=now, failures=0, failing_since=None, last_error=None, found=0)
    statement = insert_for(db)(CalendarConnection).values(team_id=team_id, user_id=user_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=values)
    with db.transaction() as session:
        session.execute(statement)


def connection_of(db: Database, team_id: str, user_id: str) -> Connection | None:
    with db.transaction() as session:
        row = session.scalars(
            select(CalendarConnection).where(
                CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id
            )
        ).first()
        return _connection(row) if row else None


def take_due(db: Database, now: datetime, limit: int, lease_until: datetime) -> list[Connection]:
    """Connections whose next read is due, the longest waiting first, taken by moving their next read to
    `lease_until` (another instance then skips them; a read records the real next time)."""
    with db.transaction() as session:
        ids = list(
            session.scalars(
                select(CalendarConnection.id)
                .where(CalendarConnection.next_read_at <= now)
                .order_by(CalendarConnection.next_read_at, CalendarConnection.id)
                .limit(limit)
            )
        )
        if not ids:
            return []
        taken = session.scalars(
            update(CalendarConnection)
            .where(CalendarConnection.id.in_(ids), CalendarConnection.next_read_at <= now)
            .values(next_read_at=lease_until)
            .returning(CalendarConnection.id)
        ).all()
        rows = session.scalars(select(CalendarConnection).where(CalendarConnection.id.in_(taken)))
        return [_connection(row) for row in rows]


def record_read(db: Database, connection_id: int, now: datetime, next_read_at: datetime, **changes: object) -> None:
    """A read that worked (validators and what it found in `changes`): failures are forgotten."""
    values = dict(last_read_at=now, last_success_at=now, next_read_at=next_read_at, failures=0,
                  failing_since=None, last_error=None, **changes)  # fmt: skip
    with db.transaction() as session:
        session.execute(update(CalendarConnection).where(CalendarConnection.id == connection_id).values(**values))


def record_failure(db: Database, connection_id: int, now: datetime, error: str, next_read_at: datetime) -> None:
    """A failed read (the error already masked): counted, and the first failure's time kept."""
    with db.transaction() as session:
        session.execute(
            update(CalendarConnection)
            .where(CalendarConnection.id == connection_id)
            .values(
                last_read_at=now,
                next_read_at=next_read_at,
                failures=CalendarConnection.failures + 1,
                failing_since=func.coalesce(CalendarConnection.failing_since, now),
                last_error=error[:200],
            )
        )


def remove_connection(db: Database, team_id: str, user_id: str, forget: bool) -> tuple[bool, int]:
    """Disconnect; with `forget`, erase the captured calendar time and the rep's domain choices too.
    (whether a connection was there, how many captured meetings went)"""
    with db.transaction() as session:
        gone = session.execute(
            delete(CalendarConnection).where(
                CalendarConnection.team_id == team_id, CalendarConnection.user_id == user_id
            )
        ).rowcount
        erased = 0
        if forget:
            erased = session.execute(
                delete(CapturedTime).where(
                    CapturedTime.team_id == team_id, CapturedTime.user_id == user_id, CapturedTime.source == "calendar"
                )
            ).rowcount
            session.execute(
                delete(DomainChoice).where(DomainChoice.team_id == team_id, DomainChoice.user_id == user_id)
            )
        return bool(gone), erased
