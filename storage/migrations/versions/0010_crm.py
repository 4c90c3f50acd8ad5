"""CRM sync: links to CRM records, sync state, owner matches, flags, conflicts and the CRM-write outbox.

Revision ID: 0010_crm
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0010_crm"
down_revision = "0005"
branch_labels = None
depends_on = None

TEAM = sa.String(32)


def _opportunity(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "crm_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("crm_id", sa.String(64), nullable=False),
        _opportunity(),
        sa.Column("crm_modified_at", UtcDateTime(), nullable=True),
        sa.Column("pushed_modified_at", UtcDateTime(), nullable=True),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", "crm_id", name="uq_crm_links_record"),
        sa.UniqueConstraint("opportunity_id", name="uq_crm_links_opportunity"),
    )
    op.create_table(
        "crm_sync_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("cursor", UtcDateTime(), nullable=True),
        sa.Column("imported_at", UtcDateTime(), nullable=True),
        sa.Column("last_run_at", UtcDateTime(), nullable=True),
        sa.Column("last_success_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("last_error_at", UtcDateTime(), nullable=True),
        sa.Column("last_requests", sa.Integer(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", name="uq_crm_sync_state_team"),
    )
    op.create_table(
        "crm_owners",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("slack_user_id", TEAM, nullable=True),
        sa.Column("checked_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("team_id", "provider", "owner_id", name="uq_crm_owners_owner"),
    )
    op.create_table(
        "crm_flags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("crm_id", sa.String(64), nullable=False),
        _opportunity(nullable=True),
        sa.Column("problem", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("flagged_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", "crm_id", "problem", name="uq_crm_flags_problem"),
    )
    op.create_table(
        "crm_conflicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        _opportunity(),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("kept_value", sa.String(300), nullable=True),
        sa.Column("lost_value", sa.String(300), nullable=True),
        sa.Column("winner", sa.String(16), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_crm_conflicts_opportunity", "crm_conflicts", ["team_id", "opportunity_id", "decided_at"])
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", TEAM, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        _opportunity(),
        sa.Column("change_key", sa.String(40), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.UniqueConstraint("team_id", "provider", "opportunity_id", "change_key", name="uq_crm_outbox_change"),
    )
    op.create_index("ix_crm_outbox_due", "crm_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    for table in ("crm_outbox", "crm_conflicts", "crm_flags", "crm_owners", "crm_sync_state", "crm_links"):
        op.drop_table(table)
