"""A rep's own public-holiday calendar ("GB", "US-CA"): no coaching lands on those days."""

import sqlalchemy as sa

from storage.migrations import ops

revision = "0017_holidays"
down_revision = "0016_secrets_at_rest"


def upgrade() -> None:
    ops.add_columns("reps", sa.Column("holiday_calendar", sa.String(16), nullable=True))


def downgrade() -> None:
    ops.drop_columns("reps", "holiday_calendar")
