"""A CRM per workspace: each workspace's own connection (sealed tokens) and its OAuth round trips."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0021_crm_connections"
down_revision = "0020_fanout_50k"


def upgrade() -> None:
    ops.create_table(
        "crm_connections",
        ops.team(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("account", sa.String(255), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("connected_by", sa.String(32), nullable=False),
        sa.Column("connected_at", UtcDateTime(), nullable=False),
        sa.Column("refreshed_at", UtcDateTime(), nullable=True),
        sa.Column("refreshing_until", UtcDateTime(), nullable=True),
        sa.Column("refreshing_by", sa.String(80), nullable=True),
        sa.UniqueConstraint("team_id", name="uq_crm_connections_team"),
    )
    ops.create_table(
        "crm_oauth_states",
        ops.team(),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("login_host", sa.String(255), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("digest", name="uq_crm_oauth_states_digest"),
    )


def downgrade() -> None:
    op.drop_table("crm_oauth_states")
    op.drop_table("crm_connections")
