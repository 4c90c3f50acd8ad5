"""The column and operation shapes our migrations share, written once.

Frozen like the migrations that use it: changing what a helper builds would change what old migrations
built, so a new shape gets a new helper and an existing one never changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def team() -> sa.Column:
    """The workspace a row belongs to (a Slack team id)."""
    return sa.Column("team_id", sa.String(32), nullable=False)


def rep() -> list[sa.Column]:
    """The rep a row belongs to: their workspace and Slack user id."""
    return [team(), sa.Column("user_id", sa.String(32), nullable=False)]


def opportunity(nullable: bool = False) -> sa.Column:
    """The deal a row belongs to; the row goes when the deal does."""
    return sa.Column(
        "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=nullable
    )


def create_table(name: str, *columns: sa.Column | sa.Constraint, indexes: dict[str, list[str]] | None = None) -> None:
    """A table keyed by the integer `id` every table of ours starts with, and its plain indexes."""
    op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True), *columns)
    for index, on in (indexes or {}).items():
        op.create_index(index, name, on)


def drop_table(name: str, indexes: tuple[str, ...] = ()) -> None:
    """Undoes create_table: the indexes named, then the table."""
    for index in indexes:
        op.drop_index(index, table_name=name)
    op.drop_table(name)


def add_columns(table: str, *columns: sa.Column) -> None:
    """Adds columns in batch mode, so SQLite (which cannot alter in place) gets them too."""
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Drops columns in batch mode (SQLite copies the table without them)."""
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
