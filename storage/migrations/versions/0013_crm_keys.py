"""CRM keys and pacing: one sync of a workspace at a time, the deal key property noted, a shared pace.

Revision ID: 0013_crm_keys
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0013_crm_keys"
down_revision = "0012_import"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_sync_state") as table:
        table.add_column(sa.Column("running_until", UtcDateTime(), nullable=True))
        table.add_column(sa.Column("running_by", sa.String(80), nullable=True))
        table.add_column(sa.Column("keyed_at", UtcDateTime(), nullable=True))
    op.create_table(
        "crm_pace",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(80), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.UniqueConstraint("bucket", name="uq_crm_pace_bucket"),
    )


def downgrade() -> None:
    op.drop_table("crm_pace")
    with op.batch_alter_table("crm_sync_state") as table:
        table.drop_column("keyed_at")
        table.drop_column("running_by")
        table.drop_column("running_until")
