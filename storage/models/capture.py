"""Time that logs itself: calendar connections, the meetings captured from them (or from a CRM), and the
choices a rep made for an attendee's domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, RepRow, WorkspaceRow
from storage.types import UtcDateTime


class CalendarConnection(RepRow, Base):
    """A rep's calendar feed. `address` is sealed with ENCRYPTION_KEY (bot/sealed.py), `host` is what may be
    shown. The validators make the next read conditional; failures back off until `next_read_at`."""

    __tablename__ = "calendar_connections"

    address: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    feed: Mapped[str] = mapped_column(String(16))  # a non-secret name for the address
    own_email: Mapped[str | None] = mapped_column(String(254))  # the rep's, for their declined invitations
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    found: Mapped[int] = mapped_column(Integer, default=0)  # meetings counted at the last read

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", name="uq_calendar_connections_rep"),
        Index("ix_calendar_connections_due", "next_read_at"),
    )


class CapturedTime(RepRow, Base):
    """One captured meeting, once under its stable key however often it is read or moved. Only what
    coaching needs: times, where it went and by which rule, the outside attendees' domains; the title
    only where the workspace keeps titles."""

    __tablename__ = "captured_time"

    source: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)  # the rep's local day
    placement: Mapped[str] = mapped_column(String(12))  # deal, prospecting, unplaced, not_selling
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(16))
    domains: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    asked_on: Mapped[date | None] = mapped_column(Date)  # when the rep was asked where it goes
    captured_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "source", "key", name="uq_captured_time_key"),
        Index("ix_captured_time_rep_day", "team_id", "user_id", "occurred_on"),
        Index("ix_captured_time_team_day", "team_id", "occurred_on"),
        Index("ix_captured_time_opportunity", "opportunity_id", "occurred_on"),
        Index("ix_captured_time_source_start", "team_id", "source", "starts_at"),  # a CRM's meetings vs the calendar
    )


class DomainChoice(RepRow, Base):
    """What a rep chose for meetings with people from one domain, applied to later meetings."""

    __tablename__ = "domain_choices"

    domain: Mapped[str] = mapped_column(String(120))
    placement: Mapped[str] = mapped_column(String(12))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id", "domain", name="uq_domain_choices_rep_domain"),)


class DealContact(WorkspaceRow, Base):
    """Who one of our deals is with in the CRM, read with the deal at each sync: a contact's email (`kind`
    "email", rule `crm_contact`) or an associated company's domain ("domain", rule `crm_company`); a
    calendar meeting with that person or company is time on the deal."""

    __tablename__ = "deal_contacts"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(254))

    __table_args__ = (UniqueConstraint("opportunity_id", "kind", "value", name="uq_deal_contacts_value"),)
