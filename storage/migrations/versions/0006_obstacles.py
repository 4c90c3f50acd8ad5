"""Obstacles on deals (with their checkpoints and history), and deals a rep stepped back from (paused_at)."""

import sqlalchemy as sa

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0006"
down_revision = "0010_crm"

INDEXES = {
    "ix_obstacles_opportunity": ["team_id", "opportunity_id", "closed_at"],
    "ix_obstacles_checkpoint": ["team_id", "closed_at", "checkpoint"],
}


def upgrade() -> None:
    ops.add_columns("opportunities", sa.Column("paused_at", UtcDateTime(), nullable=True))
    ops.create_table(
        "obstacles",
        *ops.rep(),
        ops.opportunity(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("checkpoint", sa.Date(), nullable=True),
        sa.Column("named_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        indexes=INDEXES,
    )


def downgrade() -> None:
    ops.drop_table("obstacles", indexes=tuple(reversed(INDEXES)))
    ops.drop_columns("opportunities", "paused_at")
