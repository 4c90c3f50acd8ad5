"""What a CRM create sent, kept before it is sent (crm_outbox.sent_values).

A CRM that cannot hold our key (a Salesforce org where our external-id field could not be made) finds a
create whose answer was lost by these values.
"""

import sqlalchemy as sa

from storage.migrations import ops

revision = "0018_salesforce"
down_revision = "0017_holidays"


def upgrade() -> None:
    ops.add_columns("crm_outbox", sa.Column("sent_values", sa.String(800), nullable=True))


def downgrade() -> None:
    ops.drop_columns("crm_outbox", "sent_values")
