"""The tables. Every row carries its workspace (team_id); times are aware UTC."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

ID = String(32)


class Base(DeclarativeBase):
    pass


class Opportunity(Base):
    """A deal a rep is working. `name_key` is the casefolded name, so lookups are case-insensitive anywhere."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
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

    __table_args__ = (
        Index("ix_opportunities_owner_status", "team_id", "owner_id", "status"),
        Index("ix_opportunities_team_created", "team_id", "created_at"),
        Index("ix_opportunities_team_closed", "team_id", "status", "closed_at"),
        Index("ix_opportunities_owner_created", "team_id", "owner_id", "created_at"),
        Index("ix_opportunities_created", "created_at", "team_id", "owner_id"),
    )


class StageChange(Base):
    """Every move between stages, kept so that stage aging and win rates can be computed from history."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str] = mapped_column(ID)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_stage_changes_opportunity", "opportunity_id", "changed_at"),
        Index("ix_stage_changes_team_changed", "team_id", "changed_at"),
    )


class Activity(Base):
    """Logged selling time: deal work (opportunity_id set, kind 'deal') or prospecting (a kind, touches)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    touches: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=0)
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_activities_rep_day", "team_id", "user_id", "occurred_on"),
        Index("ix_activities_team_day", "team_id", "occurred_on"),
        Index("ix_activities_opportunity", "opportunity_id", "occurred_on"),
        Index("ix_activities_day", "occurred_on", "team_id", "user_id"),
    )


class Quota(Base):
    """A rep's quota for one period (month or quarter), keyed by the period's first day."""

    __tablename__ = "quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    period_start: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", "period_start", name="uq_quotas_rep_period"),)


class Rep(Base):
    """A rep's coaching settings and what we know about reaching them (one row per workspace and user).

    Null hours, days or reflection slot mean "the team's default" (WORK_HOURS, WORK_DAYS, REFLECTION_SLOT).
    `tz` caches the zone Slack's users.info reports, refreshed once `tz_checked_at` is a day old.
    """

    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    coaching_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    work_start: Mapped[str | None] = mapped_column(String(5))
    work_end: Mapped[str | None] = mapped_column(String(5))
    work_days: Mapped[str | None] = mapped_column(String(20))
    reflection_weekday: Mapped[int | None] = mapped_column(Integer)
    reflection_time: Mapped[str | None] = mapped_column(String(5))
    undeliverable_reason: Mapped[str | None] = mapped_column(String(64))
    undeliverable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_reps_team_user"),)


class ScheduledMessage(Base):
    """The outbox: every scheduled DM is claimed here under a unique key before it is sent.

    status: pending (planned, nobody has taken it yet), claimed (someone is sending it), retry (a
    send failed; try again at next_attempt_at), sent, failed (gave up after the attempt limit) or
    skipped (the rep cannot be reached).
    `payload` is the rendered message (JSON text + blocks), so a retry sends exactly what was claimed.
    """

    __tablename__ = "scheduled_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    recipient_id: Mapped[str] = mapped_column(ID)  # a rep's user id, or the digest's channel id
    kind: Mapped[str] = mapped_column(String(20))
    period_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    question_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when a planned message fell due (queue order)

    __table_args__ = (
        UniqueConstraint("team_id", "recipient_id", "kind", "period_key", name="uq_scheduled_messages_key"),
        Index("ix_scheduled_messages_due", "status", "next_attempt_at"),
        Index("ix_scheduled_messages_rep", "team_id", "recipient_id", "kind", "claimed_at"),
        Index("ix_scheduled_messages_queue", "team_id", "kind", "status", "due_at"),
        Index("ix_scheduled_messages_period", "team_id", "kind", "period_key"),
        Index("ix_scheduled_messages_team_claimed", "team_id", "claimed_at"),
    )


class Workspace(Base):
    """Every workspace that uses the bot (the jobs walk this table, not the history tables), and when its
    reps' time zones were last read in bulk from users.list. `zones_lease_*` lets one instance at a time
    page through the list; `zones_due_at` is spread per workspace so refreshes do not all come at once."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    zones_refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    zones_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    zones_lease_by: Mapped[str | None] = mapped_column(String(80))
    zones_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CoachingAnswer(Base):
    """Everything a rep tells the coach: reflections, reasons to focus, planned prospecting blocks, follow-ups."""

    __tablename__ = "coaching_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    question_id: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(String(300))
    answer: Mapped[str | None] = mapped_column(String(3000))
    for_date: Mapped[date] = mapped_column(Date)
    planned_day: Mapped[date | None] = mapped_column(Date)
    planned_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_coaching_answers_rep", "team_id", "user_id", "created_at"),
        Index("ix_coaching_answers_planned", "team_id", "kind", "planned_day"),
    )
