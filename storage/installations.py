"""slack_sdk's installation and OAuth state tables (storage/models/installations.py): the stores themselves
(slack_sdk.oauth) do the reads and writes of an install; this module holds only what they lack: the
enterprise a workspace belongs to, and erasing a workspace's rows."""

from __future__ import annotations

from sqlalchemy import delete, desc, select

from storage.db import Database
from storage.models import BOTS, INSTALLATIONS, OAUTH_STATES
from storage.models.installations import SEALED_COLUMNS

__all__ = [
    "BOTS", "BOT_SECRETS", "INSTALLATIONS", "INSTALLATION_SECRETS", "OAUTH_STATES", "delete_team", "enterprise_of",
]  # fmt: skip
INSTALLATION_SECRETS = SEALED_COLUMNS[INSTALLATIONS]  # the fields of an Installation kept encrypted
BOT_SECRETS = SEALED_COLUMNS[BOTS]  # and of a Bot


def enterprise_of(db: Database, client_id: str, team_id: str) -> tuple[bool, str | None]:
    """(installed, enterprise id): an Enterprise Grid workspace's bot row carries its org's id."""
    query = (
        select(BOTS.c.enterprise_id)
        .where(BOTS.c.client_id == client_id, BOTS.c.team_id == team_id, BOTS.c.bot_token.is_not(None))
        .order_by(desc(BOTS.c.installed_at))
        .limit(1)
    )
    with db.transaction() as session:
        found = session.execute(query).first()
    return (found is not None, found[0] if found is not None else None)


def delete_team(db: Database, team_id: str) -> int:
    """Remove every installation and bot row of a workspace (its tokens): after an uninstall or an erase."""
    with db.transaction() as session:
        removed = session.execute(delete(BOTS).where(BOTS.c.team_id == team_id)).rowcount
        removed += session.execute(delete(INSTALLATIONS).where(INSTALLATIONS.c.team_id == team_id)).rowcount
    return removed
