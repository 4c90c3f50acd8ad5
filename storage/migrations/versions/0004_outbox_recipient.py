"""The outbox names who a message goes to: `recipient_id` (a rep's user id, or the digest's channel id).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.alter_column("user_id", new_column_name="recipient_id")


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.alter_column("recipient_id", new_column_name="user_id")
