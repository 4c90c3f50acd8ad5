"""The outbox names who a message goes to: `recipient_id` (a rep's user id, or the digest's channel id)."""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.alter_column("user_id", new_column_name="recipient_id")


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.alter_column("recipient_id", new_column_name="user_id")
