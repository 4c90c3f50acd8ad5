"""Import at scale: a file's rows are matched to deals by name (then owner) through an index.

Name first: the query names no owner, so no (team, owner, …) index can tempt the planner into reading
every deal of the file's owners for each batch (PostgreSQL did, before its statistics caught up).
"""

from alembic import op

revision = "0012_import"
down_revision = "0011"


def upgrade() -> None:
    op.create_index("ix_opportunities_name", "opportunities", ["team_id", "name_key", "owner_id"])


def downgrade() -> None:
    op.drop_index("ix_opportunities_name", table_name="opportunities")
