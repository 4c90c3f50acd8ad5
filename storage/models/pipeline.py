"""Deals, their stage history, logged selling time and quotas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID, Base, RepRow, WorkspaceRow
from storage.types import UtcDateTime


class Opportunity(WorkspaceRow, Base):
    """A deal a rep is working. `name_key` is the casefolded name, so lookups are case-insensitive anywhere."""

    __tablename__ = "opportunities"

    owner_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(480))
    account: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8), default="open")
    expected_close: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(String(300))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_change_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the rep chose "Step back" at a checkpoint: still open, but out of the stalled list.
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    request_key: Mapped[str | None] = mapped_column(String(100))  # the Slack request that made it

    __table_args__ = (
        Index("ix_opportunities_owner_status", "team_id", "owner_id", "status"),
        Index("uq_opportunities_request", "team_id", "request_key", unique=True),
        Index("ix_opportunities_team_created", "team_id", "created_at"),
        Index("ix_opportunities_team_closed", "team_id", "status", "closed_at"),
        Index("ix_opportunities_owner_created", "team_id", "owner_id", "created_at"),
        Index("ix_opportunities_created", "created_at", "team_id", "owner_id"),
        Index("ix_opportunities_name", "team_id", "name_key", "owner_id"),  # imports match by name
    )


class StageChange(WorkspaceRow, Base):
    """Every move between stages, kept so that stage aging and win rates can be computed from history."""

    __tablename__ = "stage_changes"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(ID)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    request_key: Mapped[str | None] = mapped_column(String(100))  # the Slack request that made it

    __table_args__ = (
        Index("ix_stage_changes_opportunity", "opportunity_id", "changed_at"),
        Index("uq_stage_changes_request", "team_id", "request_key", unique=True),
        Index("ix_stage_changes_team_changed", "team_id", "changed_at"),
    )


class Activity(RepRow, Base):
    """Logged selling time: deal work (opportunity_id set, kind 'deal') or prospecting (a kind, touches)."""

    __tablename__ = "activities"

    kind: Mapped[str] = mapped_column(String(16))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    touches: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=0)
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    request_key: Mapped[str | None] = mapped_column(String(100))  # the Slack request that made it

    __table_args__ = (
        Index("ix_activities_rep_day", "team_id", "user_id", "occurred_on"),
        Index("uq_activities_request", "team_id", "request_key", unique=True),
        Index("ix_activities_team_day", "team_id", "occurred_on"),
        Index("ix_activities_opportunity", "opportunity_id", "occurred_on"),
        Index("ix_activities_day", "occurred_on", "team_id", "user_id"),
    )


class UndoneRequest(RepRow, Base):
    """An `undo` a rep typed, by its Slack request, with what it removed (JSON; NULL when there was nothing):
    a replay of the same request removes nothing more and is answered as the first was. Kept a day."""

    __tablename__ = "undone_requests"

    request_key: Mapped[str] = mapped_column(String(100))
    undone_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("uq_undone_requests_request", "team_id", "request_key", unique=True),
        Index("ix_undone_requests_rep", "team_id", "user_id", "undone_at"),
    )


class Quota(RepRow, Base):
    """A rep's quota for one period (month or quarter), keyed by the period's first day."""

    __tablename__ = "quotas"

    period_start: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", "period_start", name="uq_quotas_rep_period"),)


class Obstacle(RepRow, Base):
    """What stands between a deal and a decision, named by its rep, with the checkpoint date by which they
    will know whether it moved. Every naming is a row: the open one has closed_at null, and naming another,
    clearing it or answering a checkpoint closes it with an outcome (replaced, cleared, moved, lost)."""

    __tablename__ = "obstacles"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(300))
    checkpoint: Mapped[date | None] = mapped_column(Date)
    named_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Checkpoints that learn: how often the rep answered "not yet", and when they said they would detach.
    not_yets: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    detach_on: Mapped[date | None] = mapped_column(Date)
    detach_condition: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        Index("ix_obstacles_opportunity", "team_id", "opportunity_id", "closed_at"),
        Index("ix_obstacles_checkpoint", "team_id", "closed_at", "checkpoint"),
    )


class CloseDateChange(WorkspaceRow, Base):
    """Every change of an open deal's expected close date (CRM sync, CSV import), kept so that a close date
    pushed again and again shows as a walk-away signal with its evidence."""

    __tablename__ = "close_date_changes"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_close_date_changes_opportunity", "team_id", "opportunity_id"),)
