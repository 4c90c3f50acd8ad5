"""Where secrets sit at rest: every column that holds one, read in batches by row id and written back only if
the value is still the one read (so a token refreshed meanwhile is never overwritten). Sealing and opening
are bot/sealed.py's; this module stores, never decides.

A new table with a secret column adds it to SECRET_COLUMNS: sealing at start-up, `keys rotate` and the
at-rest tests then cover it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table, and_, desc, func, select, update

from storage.db import Database
from storage.models import CalendarConnection
from storage.models.installations import SEALED_COLUMNS

SECRET_COLUMNS: tuple[tuple[Table, tuple[str, ...]], ...] = (
    *SEALED_COLUMNS.items(),  # slack_sdk's installation tables: each workspace's tokens
    (CalendarConnection.__table__, ("address",)),  # type: ignore[arg-type]
)


@dataclass(frozen=True)
class StoredSecret:
    table: str
    column: str
    row_id: int
    value: str


def columns() -> list[tuple[str, str]]:
    """Every (table, column) holding a secret."""
    return [(table.name, column) for table, names in SECRET_COLUMNS for column in names]


def _table(name: str) -> Table:
    return next(table for table, _ in SECRET_COLUMNS if table.name == name)


def _where(table: Table, column: str, plain_only: str | None):
    found = table.c[column].is_not(None)
    return and_(found, ~table.c[column].startswith(plain_only, autoescape=True)) if plain_only else found


def count(db: Database, table_name: str, column: str, plain_only: str | None = None) -> int:
    """How many rows hold a value in `column` (only those not starting with `plain_only`, when given)."""
    table = _table(table_name)
    query = select(func.count()).select_from(table).where(_where(table, column, plain_only))
    with db.transaction() as session:
        return session.execute(query).scalar()


def batch(
    db: Database, table_name: str, column: str, after_id: int, limit: int, plain_only: str | None = None
) -> list[StoredSecret]:
    """The next `limit` values of `column` by row id, after `after_id`."""
    table = _table(table_name)
    query = (
        select(table.c.id, table.c[column])
        .where(_where(table, column, plain_only), table.c.id > after_id)
        .order_by(table.c.id)
        .limit(limit)
    )
    with db.transaction() as session:
        rows = session.execute(query).all()
    return [StoredSecret(table_name, column, row_id, value) for row_id, value in rows]


def newest(db: Database, table_name: str, column: str, prefix: str, limit: int) -> list[str]:
    """The newest `limit` values of `column` that start with `prefix` (a sample to try a key on)."""
    table = _table(table_name)
    query = (
        select(table.c[column])
        .where(table.c[column].startswith(prefix, autoescape=True))
        .order_by(desc(table.c.id))
        .limit(limit)
    )
    with db.transaction() as session:
        return list(session.execute(query).scalars())


def replace(db: Database, changes: Iterable[tuple[StoredSecret, str]]) -> list[bool]:
    """Write each new value where the row still holds the value read, in one transaction: whether each was."""
    written = []
    with db.transaction() as session:
        for stored, value in changes:
            table = _table(stored.table)
            column = table.c[stored.column]
            statement = update(table).where(table.c.id == stored.row_id, column == stored.value).values({column: value})
            written.append(session.execute(statement).rowcount == 1)
    return written
