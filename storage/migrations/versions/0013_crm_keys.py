"""CRM keys and pacing: one sync of a workspace at a time, the deal key property noted, a shared pace."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0013_crm_keys"
down_revision = "0012_import"


def upgrade() -> None:
    ops.add_columns(
        "crm_sync_state",
        sa.Column("running_until", UtcDateTime(), nullable=True),
        sa.Column("running_by", sa.String(80), nullable=True),
        sa.Column("keyed_at", UtcDateTime(), nullable=True),
    )
    ops.create_table(
        "crm_pace",
        sa.Column("bucket", sa.String(80), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.UniqueConstraint("bucket", name="uq_crm_pace_bucket"),
    )


def downgrade() -> None:
    op.drop_table("crm_pace")
    ops.drop_columns("crm_sync_state", "keyed_at", "running_by", "running_until")
