"""Import at scale: a file's rows are matched to deals by owner and name through an index.

Revision ID: 0012_import
Revises: 0011
"""

from alembic import op

revision = "0012_import"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_opportunities_owner_name", "opportunities", ["team_id", "owner_id", "name_key"])


def downgrade() -> None:
    op.drop_index("ix_opportunities_owner_name", table_name="opportunities")
