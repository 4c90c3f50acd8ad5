"""The CRM sync's tables: links to CRM records, cursors, owners, flags, conflicts and the write outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID, Base, WorkspaceRow
from storage.types import UtcDateTime


class _PerProvider(WorkspaceRow):
    """Every CRM table's rows belong to one workspace and one provider."""

    provider: Mapped[str] = mapped_column(String(16))


class CrmLink(_PerProvider, Base):
    """An opportunity's record in a CRM: one per opportunity, and one opportunity per CRM record."""

    __tablename__ = "crm_links"

    crm_id: Mapped[str] = mapped_column(String(64))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    crm_modified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pushed_modified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("team_id", "provider", "crm_id", name="uq_crm_links_record"),
        UniqueConstraint("opportunity_id", name="uq_crm_links_opportunity"),
    )


class CrmSyncState(_PerProvider, Base):
    """Where a workspace's sync stands: the cursor, whether the first full import is done, the last error."""

    __tablename__ = "crm_sync_state"

    cursor: Mapped[datetime | None] = mapped_column(UtcDateTime)
    imported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_requests: Mapped[int] = mapped_column(Integer, default=0)
    running_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # one sync of a workspace at a time
    running_by: Mapped[str | None] = mapped_column(String(80))
    keyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the CRM has our deal-key property
    stage_weights: Mapped[str | None] = mapped_column(Text)  # JSON: our stage -> the CRM's probability there

    __table_args__ = (UniqueConstraint("team_id", "provider", name="uq_crm_sync_state_team"),)


class CrmPace(Base):
    """A token bucket shared by every thread and process that calls one CRM account (bucket: its name).

    `stamp` is when `tokens` was last counted, in seconds since the epoch (a float, so SQL can refill it).
    """

    __tablename__ = "crm_pace"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(80))
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("bucket", name="uq_crm_pace_bucket"),)


class CrmOwner(_PerProvider, Base):
    """A CRM owner and the Slack user matched to them by email (null: no match, listed for the admin)."""

    __tablename__ = "crm_owners"

    owner_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    slack_user_id: Mapped[str | None] = mapped_column(ID)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "provider", "owner_id", name="uq_crm_owners_owner"),)


class CrmFlag(_PerProvider, Base):
    """A CRM record imported with what could be trusted; `problem` says what could not (for the admin)."""

    __tablename__ = "crm_flags"

    crm_id: Mapped[str] = mapped_column(String(64))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    problem: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(300))
    flagged_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "provider", "crm_id", "problem", name="uq_crm_flags_problem"),)


class CrmConflict(WorkspaceRow, Base):
    """A field changed on both sides: the newest change won; the losing value is kept here."""

    __tablename__ = "crm_conflicts"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    kept_value: Mapped[str | None] = mapped_column(String(300))
    lost_value: Mapped[str | None] = mapped_column(String(300))
    winner: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_crm_conflicts_opportunity", "team_id", "opportunity_id", "decided_at"),)


class CrmOutbox(_PerProvider, Base):
    """CRM writes, claimed before they are sent (the discipline of scheduled_messages).

    change_key "create" is unique per opportunity, so a deal is created once; later changes get a key of
    their own (the change's time). What is sent is the opportunity as it stands when the write goes out.
    status: claimed, retry (at next_attempt_at), sent, failed (attempts exhausted) or superseded (the CRM
    had a newer change, which won).
    """

    __tablename__ = "crm_outbox"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    change_key: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    # a create's values (JSON), kept before it is sent to a CRM that cannot hold our key: its lost answer
    # is found again by them (bot/services/crm_push.py)
    sent_values: Mapped[str | None] = mapped_column(String(800))

    __table_args__ = (
        UniqueConstraint("team_id", "provider", "opportunity_id", "change_key", name="uq_crm_outbox_change"),
        Index("ix_crm_outbox_due", "status", "next_attempt_at"),
    )
