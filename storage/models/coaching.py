"""The coach's tables: reps' settings, the scheduled-message outbox, answers, and workspaces."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID, Base, RepRow, WorkspaceRow
from storage.types import UtcDateTime


class Rep(RepRow, Base):
    """A rep's coaching settings and what we know about reaching them (one row per workspace and user).

    Null hours, days, reflection slot or holiday calendar mean "the team's default" (WORK_HOURS, WORK_DAYS,
    REFLECTION_SLOT, HOLIDAY_CALENDAR).
    `tz` caches the zone Slack's users.info reports, refreshed once `tz_checked_at` is a day old.
    """

    __tablename__ = "reps"

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
    holiday_calendar: Mapped[str | None] = mapped_column(String(16))  # "GB", "US-CA"; null: the workspace's
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_reps_team_user"),)


class ScheduledMessage(WorkspaceRow, Base):
    """The outbox: every scheduled DM is claimed here under a unique key before it is sent.

    status: pending (planned, nobody has taken it yet), claimed (someone is sending it), retry (a
    send failed; try again at next_attempt_at), sent, failed (gave up after the attempt limit) or
    skipped (the rep cannot be reached).
    `payload` is the rendered message (JSON text + blocks), so a retry sends exactly what was claimed.
    """

    __tablename__ = "scheduled_messages"

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
    # The first moment a send of it may have reached Slack (set just before the first call): a resumed
    # claim is looked for in the DM from then on; none means never sent, so no history read is needed.
    send_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Where the read of a resumed claim's DM history goes on (Slack's cursor of the next page), while its
    # DM holds more messages since the send than one call may read; none: from the newest.
    history_cursor: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("team_id", "recipient_id", "kind", "period_key", name="uq_scheduled_messages_key"),
        Index("ix_scheduled_messages_due", "status", "next_attempt_at"),
        Index("ix_scheduled_messages_rep", "team_id", "recipient_id", "kind", "claimed_at"),
        Index("ix_scheduled_messages_queue", "team_id", "kind", "status", "due_at"),
        Index("ix_scheduled_messages_period", "team_id", "kind", "period_key"),
        Index("ix_scheduled_messages_team_claimed", "team_id", "claimed_at"),
        # Abandoned and unrendered claims, found without walking the sent history (migration 0022).
        Index("ix_scheduled_messages_unfinished", "team_id", "kind", "status", "claimed_at"),
    )


class CoachingAnswer(RepRow, Base):
    """Everything a rep tells the coach: reflections, reasons to focus, planned prospecting blocks, follow-ups."""

    __tablename__ = "coaching_answers"

    kind: Mapped[str] = mapped_column(String(20))
    question_id: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(String(300))
    answer: Mapped[str | None] = mapped_column(String(3000))
    for_date: Mapped[date] = mapped_column(Date)
    planned_day: Mapped[date | None] = mapped_column(Date)
    planned_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    request_key: Mapped[str | None] = mapped_column(String(100))  # the Slack request that made it

    __table_args__ = (
        Index("ix_coaching_answers_rep", "team_id", "user_id", "created_at"),
        Index("uq_coaching_answers_request", "team_id", "request_key", unique=True),
        Index("ix_coaching_answers_planned", "team_id", "kind", "planned_day"),
    )


class Workspace(Base):
    """Every workspace that uses the bot (the jobs walk this table, not the history tables): whether the
    app is still installed there (after app_uninstalled or tokens_revoked no job or message runs; its data
    stays until erased), and when its reps' time zones were last read in bulk from users.list
    (`zones_lease_*` lets one instance at a time page through the list; `zones_due_at` is spread per
    workspace so refreshes do not all come at once)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    uninstall_reason: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    zones_refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    zones_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    zones_lease_by: Mapped[str | None] = mapped_column(String(80))
    zones_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkspaceSettings(Base):
    """What a workspace's admins chose in Slack (`/opportunity admin`), over the environment's defaults:
    a JSON object of setting name -> value, only the settings they changed."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(ID, primary_key=True)
    chosen: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
