"""The declarative base every table shares. Every row carries its workspace (team_id); times are aware UTC."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(32)


class Base(DeclarativeBase):
    pass


class WorkspaceRow:
    """A table's first columns: the row's own id and the workspace it belongs to (every read is scoped by it)."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    team_id: Mapped[str] = mapped_column(ID, sort_order=-2)


class RepRow(WorkspaceRow):
    """A rep's row: as WorkspaceRow, then the rep (Slack user id) it belongs to."""

    user_id: Mapped[str] = mapped_column(ID, sort_order=-1)
