"""The emails of the CRM contacts on each deal, so a calendar meeting with one is placed on that deal.

Revision ID: 0015_capture
Revises: 0014_captured_time
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_capture"
down_revision = "0014_captured_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(254), nullable=False),
        sa.UniqueConstraint("opportunity_id", "kind", "value", name="uq_deal_contacts_value"),
    )


def downgrade() -> None:
    op.drop_table("deal_contacts")
