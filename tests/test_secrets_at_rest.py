"""An operator hands a database dump to a colleague without handing over its workspaces: every workspace's
Slack tokens and every calendar address are encrypted with ENCRYPTION_KEY, the HubSpot token never reaches
the database, `python -m bot keys rotate` moves everything to a new key while the bot keeps working, and a
wrong key stops the bot with one line, changing nothing."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, Table, inspect, select, update

from bot.keys import KeyProblem, check, prepare, sweep
from bot.sealed import PREFIX, SecretBox, new_key
from bot.services.crm_push import run_sync
from bot.settings import load_settings
from storage import calendars
from storage.installations import BOTS
from tests.calendar_fixtures import ME, SECRET, feeds  # noqa: F401  (the feed server fixture)
from tests.calendar_server import calendar
from tests.hubspot_fixtures import crm_settings, hubspot, hubspot_server, provider_for  # noqa: F401
from tests.hubspot_stand_in import TOKEN as HUBSPOT_TOKEN
from tests.test_settings import run_bot
from tests.workspaces import ENCRYPTION_KEY, OAUTH, driver_for, install, token_of

CONNECTED = datetime(2026, 11, 23, tzinfo=UTC)


def dump(db) -> str:
    """Every value of every row of every table, as a backup holds them."""
    values = []
    with db.engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            table = Table(name, MetaData(), autoload_with=connection)
            for row in connection.execute(select(table)):
                values += [str(value) for value in row if value is not None]
    return "\n".join(values)


def stored_secrets(db) -> list[str]:
    """Every value the at-rest columns hold (storage/secrets.py lists them)."""
    from storage import secrets

    return [found.value for table, column in secrets.columns() for found in secrets.batch(db, table, column, 0, 10**6)]


def expire_soon(db, team_id: str) -> None:
    soon = datetime.fromtimestamp(time.time() + 30 * 60)  # inside the window in which it is refreshed
    with db.engine.begin() as connection:
        connection.execute(update(BOTS).where(BOTS.c.team_id == team_id).values(bot_token_expires_at=soon))


def connect_calendar(bot, driver, feeds, team_id: str) -> str:  # noqa: F811
    bot.slack.always(
        "users.info", lambda args: {"ok": True, "user": {"id": args.get("user"), "profile": {"email": ME}}}
    )
    url = feeds.serve(f"{SECRET}/{team_id}.ics", calendar())
    assert driver.command("/opportunity", f"calendar connect {url}").status == 200
    deadline = time.monotonic() + 10
    while calendars.connection_of(bot.db, team_id, "U1") is None:
        assert time.monotonic() < deadline, "the calendar was not connected"
        time.sleep(0.05)
    return url


def env_for(database_url: str, key: str | None) -> dict:
    """`python -m bot` on `database_url`, one workspace (its own token), with `key` as ENCRYPTION_KEY."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": database_url, "SCHEDULER_ENABLED": "false", "ENCRYPTION_KEY": key or "", "SECRETS_KEY": "",
    }  # fmt: skip


def said(stderr: str) -> list[str]:
    """What the command told the operator: its lines, less the log records of the start (migrations)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.strip().splitlines() if not re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line)]


def settings_with(key: str, **more):
    return load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", encryption_key=key, _env_file=None,
                         **more)  # fmt: skip


@pytest.mark.http_only  # installing by link is HTTP mode's
def test_a_dump_after_an_install_a_refresh_a_calendar_and_hubspot_holds_no_token_or_address(
    make_bot, hubspot, feeds  # noqa: F811
):
    bot = make_bot(**OAUTH, calendar_private_addresses=True)
    driver = install(bot, "T3", rotating=True, expires_in=12 * 3600)
    expire_soon(bot.db, "T3")
    driver.command("/opportunity", "new Acme renewal")
    [celebration] = bot.slack.wait_for("chat.postMessage")
    assert token_of(celebration) == "xoxb-T3-2", "the expiring token was refreshed, then used"
    address = connect_calendar(bot, driver, feeds, "T3")
    crm = make_bot(**crm_settings(hubspot), encryption_key=ENCRYPTION_KEY)
    hubspot.add_deal(dealname="Globex expansion", dealstage="qualifiedtobuy", amount="900", hubspot_owner_id="501")
    assert not run_sync(crm.services, crm.clock(), provider=provider_for(hubspot, crm.db)).error

    backup = dump(bot.db)
    workspace = bot.slack.workspaces["T3"]
    secrets = [*workspace.tokens, *workspace.refresh_tokens, address, SECRET, HUBSPOT_TOKEN, "xoxe-", "xoxb-"]
    assert [secret for secret in secrets if secret in backup] == []
    assert "T3" in backup and "Globex expansion" in backup and "127.0.0.1" in backup, "the dump is the real one"
    assert len(workspace.tokens) == 2 and len(workspace.refresh_tokens) == 2
    assert all(value.startswith(PREFIX) for value in stored_secrets(bot.db))


def test_tokens_stored_before_a_key_was_set_are_encrypted_at_start_and_read_as_before(db):
    from slack_sdk.oauth.installation_store import Installation

    from bot.installations import InstallationStore

    plain = InstallationStore(None, client_id="1111.2222", engine=db.engine)  # as stored before this release
    plain.save(Installation(app_id="A1", team_id="T7", user_id="U1", bot_token="xoxb-T7-plain", bot_id="B7",
                            user_token="xoxp-T7-plain", bot_refresh_token="xoxe-T7-plain"))  # fmt: skip
    assert "xoxb-T7-plain" in dump(db)

    settings = settings_with(ENCRYPTION_KEY)
    prepare(settings, db)  # what every start does
    prepare(settings, db)  # and again: nothing is encrypted twice
    backup = dump(db)
    assert "-plain" not in backup and backup.count(PREFIX) == 5  # bot + refresh twice, the user's token once

    sealed = InstallationStore(SecretBox(ENCRYPTION_KEY), client_id="1111.2222", engine=db.engine)
    found = sealed.find_installation(enterprise_id=None, team_id="T7")
    assert (found.bot_token, found.user_token, found.bot_refresh_token) == (
        "xoxb-T7-plain", "xoxp-T7-plain", "xoxe-T7-plain",
    )  # fmt: skip
    assert sealed.find_bot(enterprise_id=None, team_id="T7").bot_token == "xoxb-T7-plain"


@pytest.mark.http_only
def test_rotating_keys_keeps_everything_readable_and_the_bot_working(make_bot, db, feeds):  # noqa: F811
    bot = make_bot(**OAUTH, calendar_private_addresses=True)
    driver = install(bot, "T2")
    address = connect_calendar(bot, driver, feeds, "T2")
    newer = new_key()

    rotated = run_bot(env_for(db.url, f"{newer},{ENCRYPTION_KEY}"), "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "slack_bots.bot_token: 1 of 1" in rotated.stdout, "progress is shown"
    assert "3 re-encrypted under the first key" in rotated.stdout  # the install's and the bot's token, the address

    only_new = SecretBox(newer)
    assert [only_new.open(value) for value in stored_secrets(db)] == ["xoxb-T2-1", "xoxb-T2-1", address]
    again = run_bot(env_for(db.url, f"{newer},{ENCRYPTION_KEY}"), "keys", "rotate")
    assert "0 re-encrypted under the first key, 3 already under it" in again.stdout, "safe to run again"

    renewed = make_bot(**{**OAUTH, "encryption_key": newer}, calendar_private_addresses=True)  # the old key gone
    install(renewed, "T9")
    bot.slack.reset_calls()
    driver_for(renewed, "T2").command("/opportunity", "new Initech pilot")
    [celebration] = bot.slack.wait_for("chat.postMessage")
    assert token_of(celebration) == "xoxb-T2-1"
    assert sorted(only_new.open(value) for value in stored_secrets(db)) == sorted(
        ["xoxb-T2-1", "xoxb-T2-1", "xoxb-T9-1", "xoxb-T9-1", address]
    ), "a new install is sealed with the new key"


def test_a_rotation_interrupted_halfway_finishes_when_run_again(db, monkeypatch):
    from bot import keys
    from storage import calendars as store

    old, newer = new_key(), new_key()
    for number in range(5):
        store.save_connection(db, "T1", f"U{number}", SecretBox(old).seal(f"https://cal.example/{number}.ics"),
                              "cal.example", "ics", None, CONNECTED)  # fmt: skip
    box = SecretBox(f"{newer},{old}")
    monkeypatch.setattr(keys, "BATCH", 2)

    def stop_after_the_first_batch(column, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(db, box, rotate=True, progress=stop_after_the_first_batch)
    assert sum(SecretBox(newer).readable(value) for value in stored_secrets(db)) == 2
    swept = sweep(db, box, rotate=True)
    assert (swept.resealed, swept.current, swept.unreadable) == (3, 2, 0)
    opened = sorted(SecretBox(newer).open(value) for value in stored_secrets(db))
    assert opened == [f"https://cal.example/{number}.ics" for number in range(5)]


def test_rotate_never_rewrites_what_no_key_can_read(db):
    from storage import calendars as store

    lost, kept = new_key(), new_key()
    unreadable = SecretBox(lost).seal("https://cal.example/lost.ics")
    store.save_connection(db, "T1", "U1", unreadable, "cal.example", "ics", None, CONNECTED)
    store.save_connection(db, "T1", "U2", SecretBox(kept).seal("https://cal.example/kept.ics"), "cal.example", "ics",
                          None, CONNECTED)  # fmt: skip
    swept = sweep(db, SecretBox(f"{new_key()},{kept}"), rotate=True)
    assert (swept.resealed, swept.unreadable) == (1, 1)
    assert store.connection_of(db, "T1", "U1").sealed_address == unreadable, "left exactly as it was"


@pytest.mark.http_only
def test_a_wrong_key_stops_the_bot_and_rotate_with_one_line_and_changes_nothing(make_bot, db):
    bot = make_bot(**OAUTH)
    install(bot, "T2")
    before = dump(db)
    wrong = new_key()

    for args in ((), ("keys", "rotate"), ("keys", "encrypt"), ("db", "upgrade")):
        result = run_bot(env_for(db.url, wrong), *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        [line] = said(result.stderr)
        assert "ENCRYPTION_KEY cannot read" in line and "nothing was changed" in line
    no_key = run_bot(env_for(db.url, None))
    [line] = said(no_key.stderr)
    assert no_key.returncode == 2 and "encrypted secrets" in line and "ENCRYPTION_KEY is not set" in line
    assert dump(db) == before
    with pytest.raises(KeyProblem):
        check(db, SecretBox(wrong))


def test_keys_new_prints_a_key_the_settings_accept(tmp_path):
    result = run_bot({"ENCRYPTION_KEY": "", "SECRETS_KEY": ""}, "keys", "new")  # no other setting needed
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert SecretBox(key).open(SecretBox(key).seal("xoxb-1")) == "xoxb-1"
    made = run_bot(env_for(f"sqlite:///{tmp_path}/keys.db", key), "db", "upgrade")
    assert made.returncode == 0, made.stderr


def test_the_old_name_secrets_key_still_works_and_a_second_key_is_accepted(db, caplog):
    first, second = new_key(), new_key()
    settings = load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", secrets_key=f"{first}, {second}",
                             _env_file=None)  # fmt: skip
    assert settings.encryption_key == f"{first}, {second}" and settings.deprecated_key_name
    sealed = SecretBox(second).seal("https://cal.example/a.ics")
    assert SecretBox(settings.encryption_key).open(sealed) == "https://cal.example/a.ics"
    prepare(settings, db)
    assert "SECRETS_KEY is the old name of ENCRYPTION_KEY: rename it" in caplog.text
    assert not settings_with(first).deprecated_key_name


def test_calendar_addresses_sealed_before_the_mark_existed_still_open_after_the_migration(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage.db import MIGRATIONS, Database

    database = Database(f"sqlite:///{tmp_path}/before.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0015_capture")
    key = new_key()
    legacy = SecretBox(key).seal("https://cal.example/old.ics").removeprefix(PREFIX)  # as 0014 to 0015 kept it
    with database.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO calendar_connections (team_id, user_id, address, host, feed, connected_at, next_read_at,"
                 " failures, found) VALUES ('T1', 'U1', :address, 'cal.example', 'ics', :now, :now, 0, 0)"),
            {"address": legacy, "now": CONNECTED.replace(tzinfo=None)},
        )  # fmt: skip
    database.upgrade()
    stored = calendars.connection_of(database, "T1", "U1").sealed_address
    assert stored == PREFIX + legacy and SecretBox(key).open(stored) == "https://cal.example/old.ics"
    database.dispose()
