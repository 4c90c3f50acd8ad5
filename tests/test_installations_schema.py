"""Migration 0008 builds exactly the tables slack_sdk's SQLAlchemy installation and OAuth state stores
read and write, compared with the stores' own table builders, on SQLite and PostgreSQL; the one difference
(migration 0016) is the token columns, Text, since they hold tokens encrypted."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Text, inspect

from storage.models.installations import SEALED_COLUMNS

ENCRYPTED = {(table.name, column) for table, columns in SEALED_COLUMNS.items() for column in columns}


def slack_sdk_tables() -> MetaData:
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def test_the_migrated_tables_are_the_ones_slack_sdk_expects(db):
    found = inspect(db.engine)
    for table in slack_sdk_tables().sorted_tables:
        migrated = {column["name"]: column for column in found.get_columns(table.name)}
        assert set(migrated) == set(table.c.keys()), table.name
        for column in table.c:
            assert migrated[column.name]["nullable"] == column.nullable, f"{table.name}.{column.name}"
            wider = Text() if (table.name, column.name) in ENCRYPTED else column.type
            expected = wider.compile(db.engine.dialect)
            assert migrated[column.name]["type"].compile(db.engine.dialect) == expected, f"{table.name}.{column.name}"
        indexes = {index["name"]: index["column_names"] for index in found.get_indexes(table.name)}
        for index in table.indexes:
            assert indexes[index.name] == [column.name for column in index.columns]


def test_slack_sdks_store_saves_and_finds_a_bot_in_our_database(db):
    from slack_sdk.oauth.installation_store import Installation

    store = SQLAlchemyInstallationStore(client_id="1111.2222", engine=db.engine)
    store.save(
        Installation(app_id="A1", team_id="T7", user_id="U1", bot_token="xoxb-7", bot_id="B7", bot_user_id="UB7")
    )
    assert store.find_bot(enterprise_id=None, team_id="T7").bot_token == "xoxb-7"
    states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)
