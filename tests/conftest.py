"""Shared fixtures: a test database (SQLite, or PostgreSQL via COACH_TEST_DATABASE_URL), a Slack
stand-in, a controllable clock, and the real bot served over HTTP for signed, Slack-shaped requests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as wsgiref_server

import pytest
from sqlalchemy import text

from bot.app import create_app, create_services
from bot.jobs import celebrations
from bot.server import EVENTS_PATH, make_wsgi
from bot.services import Services, home
from bot.settings import Settings, load_settings
from bot.socket_mode import CoachSocketModeHandler
from storage.db import Database
from storage.models import Base
from tests.calendar_fixtures import feeds, rep_bot  # noqa: F401 - the calendar tests' fixtures
from tests.driver import SIGNING_SECRET, SlackDriver
from tests.slack_contract import check_call
from tests.socket_driver import SocketDriver
from tests.socket_stand_in import SocketModeStandIn
from tests.stand_in import SlackStandIn

TEST_DATABASE_ENV = "COACH_TEST_DATABASE_URL"
# `COACH_TEST_SLACK_MODE=socket pytest` runs the same end-to-end tests over Socket Mode (tests/socket_stand_in.py).
SLACK_MODE = os.environ.get("COACH_TEST_SLACK_MODE", "http")
A_MONDAY_AFTERNOON = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class QuietThreadingServer(ThreadingMixIn, WSGIServer):
    """The same WSGI app the bot serves with waitress, on the standard library's server so tests stop it
    cleanly; tests/test_settings.py runs the real `python -m bot` on waitress."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        return


class Clock:
    """The bot's idea of now, moved by tests; Slack's signature timestamps stay on real time."""

    def __init__(self, now: datetime = A_MONDAY_AFTERNOON) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[Database]:
    url = os.environ.get(TEST_DATABASE_ENV) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'coach.db'}"
    db = Database(url)
    if not db.is_reachable():
        pytest.fail(f"{TEST_DATABASE_ENV} points at a database that cannot be reached: {db.url}")
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    """The test database, emptied before each test."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    return database


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def slack_server() -> Iterator[SlackStandIn]:
    server = SlackStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def socket_server(slack_server: SlackStandIn) -> Iterator[SocketModeStandIn]:
    server = SocketModeStandIn(slack_server).start()
    yield server
    server.stop()


@pytest.fixture
def slack(slack_server: SlackStandIn, socket_server: SocketModeStandIn) -> Iterator[SlackStandIn]:
    """The stand-in, emptied per test; afterwards every call the bot made is checked against Slack's rules."""
    slack_server.reset()
    socket_server.reset()
    yield slack_server
    slack_server.settle(quiet=0.05, timeout=2)
    for call in list(slack_server.calls):
        check_call(call.method, call.args)


def settings_for(slack: SlackStandIn, db: Database, **overrides) -> Settings:
    values = {
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_api_url": slack.base_url,
        "database_url": db.url,
        "celebration_channel": "CWINS",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class RunningBot:
    services: Services
    slack: SlackStandIn
    driver: SlackDriver
    clock: Clock

    @property
    def db(self) -> Database:
        return self.services.db

    def command(self, text: str = "", **kwargs):
        return self.driver.command("/opportunity", text, **kwargs)

    def replies(self, count: int = 1) -> list[dict]:
        """What the rep saw privately, in order: payloads posted to the response_url."""
        return [call.args for call in self.slack.wait_for("response_url", count)]

    def last_reply(self, count: int = 1) -> dict:
        return self.replies(count)[count - 1]


@pytest.fixture
def make_bot(slack: SlackStandIn, socket_server: SocketModeStandIn, db: Database, clock: Clock):
    servers = []
    handlers: list[CoachSocketModeHandler] = []

    def start(database: Database | None = None, **overrides) -> RunningBot:
        """The bot on the test database, or on `database` (one that is down, say)."""
        database = database or db
        services = create_services(settings_for(slack, db, **overrides), db=database, clock=clock)
        app = create_app(services)
        if SLACK_MODE == "socket":
            handler = CoachSocketModeHandler(app, "xapp-test-token", concurrency=services.settings.worker_threads)
            handlers.append(handler)
            handler.open()
            socket_server.wait_connected(len(handlers))
            return RunningBot(services, slack, SocketDriver(socket_server, slack.response_url), clock)
        server = wsgiref_server(
            "127.0.0.1", 0, make_wsgi(app, database, services), server_class=QuietThreadingServer,
            handler_class=QuietHandler,
        )
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        url = f"http://127.0.0.1:{server.server_port}{EVENTS_PATH}"
        return RunningBot(services, slack, SlackDriver(url, slack.response_url), clock)

    yield start
    home.wait_for_republishes(timeout=5)  # the rep's last change refreshes their Home while Slack is still here
    celebrations.POSTER.wait_until_idle(timeout=5)  # and the channel hears the news
    for handler in handlers:  # closing waits out a 3 s socket read: let it finish in the background
        handler.client.auto_reconnect_enabled = handler.client.default_auto_reconnect_enabled = False
        threading.Thread(target=handler.close, daemon=True).start()
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def bot(make_bot) -> RunningBot:
    return make_bot()


def pytest_collection_modifyitems(items) -> None:
    """Every test that touches the database is marked, so CI can run exactly those on PostgreSQL too;
    in Socket Mode, tests of the HTTP transport itself (signatures, /healthz) are skipped, saying so."""
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
        if SLACK_MODE == "socket" and item.get_closest_marker("http_only"):
            item.add_marker(pytest.mark.skip(reason="tests the HTTP transport; Socket Mode has no such request"))
