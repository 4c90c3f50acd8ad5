"""INSERT … ON CONFLICT in the database's own dialect (PostgreSQL and SQLite spell it alike in SQLAlchemy,
from different modules): what every "store it once" write starts from."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database


def insert_for(db: Database):
    """The dialect's `insert`, whose statements offer on_conflict_do_nothing / on_conflict_do_update."""
    return pg_insert if db.dialect == "postgresql" else sqlite_insert
