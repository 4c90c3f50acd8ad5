"""The emails of the CRM contacts on each deal, so a calendar meeting with one is placed on that deal."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops

revision = "0015_capture"
down_revision = "0014_captured_time"


def upgrade() -> None:
    ops.create_table(
        "deal_contacts",
        ops.team(),
        ops.opportunity(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(254), nullable=False),
        sa.UniqueConstraint("opportunity_id", "kind", "value", name="uq_deal_contacts_value"),
    )


def downgrade() -> None:
    op.drop_table("deal_contacts")
