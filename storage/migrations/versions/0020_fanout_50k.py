"""When a scheduled message's send began (scheduled_messages.send_started_at).

A claim resumed after a crash is looked for in the DM's history from that moment (and one never sent is
resumed without a history read at all).

Revision ID: 0020_fanout_50k
Revises: 0019_coaching_follow
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0020_fanout_50k"
down_revision = "0019_coaching_follow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.add_column(sa.Column("send_started_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.drop_column("send_started_at")
