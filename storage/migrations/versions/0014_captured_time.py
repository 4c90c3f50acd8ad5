"""Time that logs itself: calendar connections (sealed addresses), captured meetings, domain choices.

Revision ID: 0014_captured_time
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0014_captured_time"
down_revision = "0013_crm_keys"
branch_labels = None
depends_on = None

TEAM = sa.String(32)


def _opportunity() -> sa.Column:
    return sa.Column(
        "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("user_id", TEAM, nullable=False),
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
    )
    op.create_index("ix_calendar_connections_due", "calendar_connections", ["next_read_at"])
    op.create_table(
        "captured_time",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("user_id", TEAM, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("placement", sa.String(12), nullable=False),
        _opportunity(),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("domains", sa.String(300), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("captured_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "source", "key", name="uq_captured_time_key"),
    )
    op.create_index("ix_captured_time_rep_day", "captured_time", ["team_id", "user_id", "occurred_on"])
    op.create_index("ix_captured_time_team_day", "captured_time", ["team_id", "occurred_on"])
    op.create_index("ix_captured_time_opportunity", "captured_time", ["opportunity_id", "occurred_on"])
    op.create_index("ix_captured_time_source_start", "captured_time", ["team_id", "source", "starts_at"])
    op.create_table(
        "domain_choices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("user_id", TEAM, nullable=False),
        sa.Column("domain", sa.String(120), nullable=False),
        sa.Column("placement", sa.String(12), nullable=False),
        _opportunity(),
        sa.Column("chosen_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "domain", name="uq_domain_choices_rep_domain"),
    )


def downgrade() -> None:
    op.drop_table("domain_choices")
    op.drop_index("ix_captured_time_opportunity", table_name="captured_time")
    op.drop_index("ix_captured_time_team_day", table_name="captured_time")
    op.drop_index("ix_captured_time_source_start", table_name="captured_time")
    op.drop_index("ix_captured_time_rep_day", table_name="captured_time")
    op.drop_table("captured_time")
    op.drop_index("ix_calendar_connections_due", table_name="calendar_connections")
    op.drop_table("calendar_connections")
