"""Secrets at rest: installation token columns widened, sealed calendar addresses marked.

The token and webhook columns of slack_sdk's installation tables become Text (an encrypted token is longer
than String(200)), and calendar addresses, sealed since 0014 without a mark, get the mark every sealed
value now carries ("fernet:", bot/sealed.py).

Encrypting the tokens stored in plain is not done here: a migration cannot be sure of the key, and one run
without ENCRYPTION_KEY would leave them plain for good. Every start with a key set (and `python -m bot keys
encrypt`) seals whatever is still plain, idempotently (bot/keys.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_secrets_at_rest"
down_revision = "0015_capture"

MARK = "fernet:"
WIDENED = {
    "slack_installations": (
        "bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url",
    ),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}  # fmt: skip


def upgrade() -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(200), existing_nullable=True)
    op.execute(
        sa.text("UPDATE calendar_connections SET address = :mark || address WHERE address NOT LIKE :marked").bindparams(
            mark=MARK, marked=MARK + "%"
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE calendar_connections SET address = substr(address, :start) WHERE address LIKE :marked"
        ).bindparams(start=len(MARK) + 1, marked=MARK + "%")
    )
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.String(200), existing_type=sa.Text(), existing_nullable=True)
