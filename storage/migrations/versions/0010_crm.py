"""CRM sync: links to CRM records, sync state, owner matches, flags, conflicts and the CRM-write outbox."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0010_crm"
down_revision = "0005"


def _provider() -> list[sa.Column]:
    """The workspace and the CRM (hubspot, salesforce) a CRM table's row speaks of."""
    return [ops.team(), sa.Column("provider", sa.String(16), nullable=False)]


def upgrade() -> None:
    ops.create_table(
        "crm_links",
        *_provider(),
        sa.Column("crm_id", sa.String(64), nullable=False),
        ops.opportunity(),
        sa.Column("crm_modified_at", UtcDateTime(), nullable=True),
        sa.Column("pushed_modified_at", UtcDateTime(), nullable=True),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", "crm_id", name="uq_crm_links_record"),
        sa.UniqueConstraint("opportunity_id", name="uq_crm_links_opportunity"),
    )
    ops.create_table(
        "crm_sync_state",
        *_provider(),
        sa.Column("cursor", UtcDateTime(), nullable=True),
        sa.Column("imported_at", UtcDateTime(), nullable=True),
        sa.Column("last_run_at", UtcDateTime(), nullable=True),
        sa.Column("last_success_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("last_error_at", UtcDateTime(), nullable=True),
        sa.Column("last_requests", sa.Integer(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", name="uq_crm_sync_state_team"),
    )
    ops.create_table(
        "crm_owners",
        *_provider(),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("slack_user_id", sa.String(32), nullable=True),
        sa.Column("checked_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("team_id", "provider", "owner_id", name="uq_crm_owners_owner"),
    )
    ops.create_table(
        "crm_flags",
        *_provider(),
        sa.Column("crm_id", sa.String(64), nullable=False),
        ops.opportunity(nullable=True),
        sa.Column("problem", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("flagged_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "provider", "crm_id", "problem", name="uq_crm_flags_problem"),
    )
    ops.create_table(
        "crm_conflicts",
        ops.team(),
        ops.opportunity(),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("kept_value", sa.String(300), nullable=True),
        sa.Column("lost_value", sa.String(300), nullable=True),
        sa.Column("winner", sa.String(16), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        indexes={"ix_crm_conflicts_opportunity": ["team_id", "opportunity_id", "decided_at"]},
    )
    ops.create_table(
        "crm_outbox",
        *_provider(),
        ops.opportunity(),
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
        indexes={"ix_crm_outbox_due": ["status", "next_attempt_at"]},
    )


def downgrade() -> None:
    for table in ("crm_outbox", "crm_conflicts", "crm_flags", "crm_owners", "crm_sync_state", "crm_links"):
        op.drop_table(table)
