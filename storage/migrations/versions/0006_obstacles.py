"""Obstacles on deals (with their checkpoints and history), and deals a rep stepped back from (paused_at).

Revision ID: 0006
Revises: 0010_crm
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0006"
down_revision = "0010_crm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        batch.add_column(sa.Column("paused_at", UtcDateTime(), nullable=True))
    op.create_table(
        "obstacles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column(
            "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("checkpoint", sa.Date(), nullable=True),
        sa.Column("named_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_obstacles_opportunity", "obstacles", ["team_id", "opportunity_id", "closed_at"])
    op.create_index("ix_obstacles_checkpoint", "obstacles", ["team_id", "closed_at", "checkpoint"])


def downgrade() -> None:
    op.drop_index("ix_obstacles_checkpoint", table_name="obstacles")
    op.drop_index("ix_obstacles_opportunity", table_name="obstacles")
    op.drop_table("obstacles")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_column("paused_at")
