"""A rep's own public-holiday calendar ("GB", "US-CA"): no coaching lands on those days.

Revision ID: 0017_holidays
Revises: 0016_secrets_at_rest
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_holidays"
down_revision = "0016_secrets_at_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reps") as batch:
        batch.add_column(sa.Column("holiday_calendar", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reps") as batch:
        batch.drop_column("holiday_calendar")
