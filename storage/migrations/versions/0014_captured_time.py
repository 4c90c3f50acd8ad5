"""Time that logs itself: calendar connections (sealed addresses), captured meetings, domain choices."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0014_captured_time"
down_revision = "0013_crm_keys"

CAPTURED_INDEXES = {
    "ix_captured_time_rep_day": ["team_id", "user_id", "occurred_on"],
    "ix_captured_time_team_day": ["team_id", "occurred_on"],
    "ix_captured_time_opportunity": ["opportunity_id", "occurred_on"],
    "ix_captured_time_source_start": ["team_id", "source", "starts_at"],
}


def upgrade() -> None:
    ops.create_table(
        "calendar_connections",
        *ops.rep(),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("feed", sa.String(16), nullable=False),
        sa.Column("own_email", sa.String(254), nullable=True),
        sa.Column("etag", sa.String(255), nullable=True),
        sa.Column("last_modified", sa.String(64), nullable=True),
        sa.Column("connected_at", UtcDateTime(), nullable=False),
        sa.Column("last_read_at", UtcDateTime(), nullable=True),
        sa.Column("last_success_at", UtcDateTime(), nullable=True),
        sa.Column("next_read_at", UtcDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", name="uq_calendar_connections_rep"),
        indexes={"ix_calendar_connections_due": ["next_read_at"]},
    )
    ops.create_table(
        "captured_time",
        *ops.rep(),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("placement", sa.String(12), nullable=False),
        ops.opportunity(nullable=True),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("domains", sa.String(300), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("captured_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "source", "key", name="uq_captured_time_key"),
        indexes=CAPTURED_INDEXES,
    )
    ops.create_table(
        "domain_choices",
        *ops.rep(),
        sa.Column("domain", sa.String(120), nullable=False),
        sa.Column("placement", sa.String(12), nullable=False),
        ops.opportunity(nullable=True),
        sa.Column("chosen_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "domain", name="uq_domain_choices_rep_domain"),
    )


def downgrade() -> None:
    op.drop_table("domain_choices")
    ops.drop_table("captured_time", indexes=tuple(CAPTURED_INDEXES))
    ops.drop_table("calendar_connections", indexes=("ix_calendar_connections_due",))
