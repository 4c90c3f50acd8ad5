"""What a CRM create sent, kept before it is sent (crm_outbox.sent_values).

A CRM that cannot hold our key (a Salesforce org where our external-id field could not be made) finds a
create whose answer was lost by these values.

Revision ID: 0018_salesforce
Revises: 0017_holidays
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_salesforce"
down_revision = "0017_holidays"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_outbox") as batch:
        batch.add_column(sa.Column("sent_values", sa.String(800), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_outbox") as batch:
        batch.drop_column("sent_values")
