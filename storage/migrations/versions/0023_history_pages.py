"""Where a resumed claim's DM history read goes on (scheduled_messages.history_cursor).

Slack may allow one history call a minute and 15 messages a call: a DM with more messages since the send
is read a page a turn, and the cursor of the next page is kept here for whichever instance reads next.
"""

import sqlalchemy as sa

from storage.migrations import ops

revision = "0023_history_pages"
down_revision = "0022_nudge_window"


def upgrade() -> None:
    ops.add_columns("scheduled_messages", sa.Column("history_cursor", sa.String(255), nullable=True))


def downgrade() -> None:
    ops.drop_columns("scheduled_messages", "history_cursor")
