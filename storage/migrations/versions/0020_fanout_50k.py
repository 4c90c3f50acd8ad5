"""When a scheduled message's send began (scheduled_messages.send_started_at).

A claim resumed after a crash is looked for in the DM's history from that moment (and one never sent is
resumed without a history read at all).
"""

import sqlalchemy as sa

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0020_fanout_50k"
down_revision = "0019_coaching_follow"


def upgrade() -> None:
    ops.add_columns("scheduled_messages", sa.Column("send_started_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    ops.drop_columns("scheduled_messages", "send_started_at")
