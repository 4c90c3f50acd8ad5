"""slack_sdk's installation and OAuth state tables, declared on our metadata with slack_sdk's own table
builders (so they are exactly what its SQLAlchemy stores read and write) and created by migration 0008.

One change (migration 0016): the columns holding a token or a webhook address are Text, since they hold
the value encrypted (bot/sealed.py), which is longer than slack_sdk's String(200) allows."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Text

from storage.models.base import Base

INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, SQLAlchemyInstallationStore.default_bots_table_name)
OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SQLAlchemyOAuthStateStore.default_table_name
)
SEALED_COLUMNS = {
    INSTALLATIONS: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url"),
    BOTS: ("bot_token", "bot_refresh_token"),
}
for _table, _names in SEALED_COLUMNS.items():
    for _name in _names:
        _table.c[_name].type = Text()
