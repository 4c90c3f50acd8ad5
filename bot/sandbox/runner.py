"""`python -m bot sandbox [--demo] [--port N] [--now ISO-8601]`: the real bot, no Slack app, no token.

It builds the same services and Bolt app as `python -m bot` (bot.app.create_services/create_app), on a
SQLite file of its own (recreated at each start, like the embedded Slack's memory), serves the app's
/slack/events on a free local port, and points SLACK_API_URL at the embedded Slack, which also serves
the page. Real tokens, DATABASE_URL and .env are never read.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from waitress import wasyncore

from bot.jobs import celebrations
from bot.sandbox import people
from bot.sandbox.clock import SandboxClock
from bot.sandbox.slack_api import SlackStandIn
from bot.sandbox.visitor import Visitor
from bot.sandbox.workspace import Workspace
from bot.services import home

DATABASE_FILE = "pipeline_coach_sandbox.db"
DEFAULT_PORT = 4390
FREE_PORT_TRIES = 10  # a second sandbox takes 4391, a third 4392, …; past these, any free port
log = logging.getLogger("pipeline_coach.sandbox")


def add_arguments(commands) -> None:
    sandbox = commands.add_parser("sandbox", help="try the bot in a browser, with no Slack app (an embedded Slack)")
    sandbox.add_argument("--demo", action="store_true", help="start with a team's fortnight of deals and time")
    sandbox.add_argument(
        "--port", type=int, help=f"the page's port (default {DEFAULT_PORT}, or the next free one when it is taken)"
    )
    sandbox.add_argument("--now", help="start the sandbox's clock here (ISO-8601; default: now)")


class ServedBot:
    """The bot's waitress server, its loop run a tick at a time on its own thread and closed on that thread:
    closed from another thread while the loop polls, the loop would fail on the closed socket."""

    def __init__(self, server) -> None:
        self._server, self._stop = server, threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="sandbox-bot")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.1, map=self._server._map, use_poll=True, count=1)
        self._server.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class Sandbox:
    workspace: Workspace
    slack: SlackStandIn
    services: object
    clock: SandboxClock
    visitor: Visitor
    bot_server: object
    scheduler: object = None
    last_jobs: list[str] = field(default_factory=list)
    # Where the page first opens: the demo's story starts in Maya's DM with the coach, a fresh team in the
    # channel. `run` tells a page reloaded in the same run (which keeps its person) from a new run.
    opens_on: dict = field(default_factory=lambda: {"user": people.MAYA.id, "conversation": people.CHANNEL_ID})
    run: str = field(default_factory=lambda: secrets.token_hex(4))
    feeds: dict[str, bytes] = field(default_factory=dict)  # calendar feeds served on the page's port, by path

    @property
    def url(self) -> str:
        return self.slack.base_url.removesuffix("api/")

    def serve_feed(self, body: bytes) -> str:
        """Serve a calendar feed from this machine, under a path with a secret made for this run."""
        path = f"/calendars/{secrets.token_urlsafe(12)}/basic.ics"
        self.feeds[path] = body
        return self.url.rstrip("/") + path

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.bot_server.close()
        self.slack.settle(quiet=0.5, timeout=10)  # Home tabs still being published arrive while we listen
        home.wait_for_republishes(timeout=10)
        celebrations.POSTER.wait_until_idle(timeout=10)
        self.slack.stop()
        self.services.db.dispose()


def sandbox_settings(api_url: str, database_path: Path, token: str, secret: str):
    """The one settings object, with everything that could reach a real workspace set by the sandbox."""
    from bot.settings import load_settings

    overrides: dict[str, object] = {
        "slack_bot_token": token,
        "slack_signing_secret": secret,
        "slack_app_token": None,
        "slack_api_url": api_url,
        "database_url": f"sqlite:///{database_path}",
        "celebration_channel": people.CHANNEL_ID,
        "manager_ids": ",".join(people.MANAGERS),
        "manager_group": None,
        "_env_file": None,
    }
    if not any(key.upper() == "TEAM_TIMEZONE" for key in os.environ):
        overrides["team_timezone"] = people.TEAM_TIMEZONE
    overrides |= calendar_settings()
    return load_settings(**overrides)


def calendar_settings() -> dict[str, object]:
    """Calendars in the sandbox: a key for this run only (its sealed addresses die with it) and local feeds
    allowed, so a feed served from this machine can be connected."""
    from bot.sealed import new_key

    key = os.environ.get("ENCRYPTION_KEY") or os.environ.get("SECRETS_KEY") or new_key()
    return {"encryption_key": key, "calendar_private_addresses": True}


def listen(workspace: Workspace, port: int, pages, find_free: bool) -> SlackStandIn:
    """The embedded Slack on `port`; when it is taken and `find_free`, on one of the next few ports (a
    second sandbox beside the first), else any free one. Raises OSError when `port` was asked for."""
    tried = [port, *range(port + 1, port + FREE_PORT_TRIES), 0] if find_free else [port]
    for candidate in tried[:-1]:
        try:
            return SlackStandIn(workspace, port=candidate, pages=pages)
        except OSError:
            continue
    return SlackStandIn(workspace, port=tried[-1], pages=pages)


def start(port: int, database_path: Path, now: datetime, demo: bool = False, find_free: bool = False) -> Sandbox:
    """Everything running, in threads; raises OSError when the port is taken (unless `find_free`)."""
    from bot.app import create_app, create_services
    from bot.sandbox import web
    from bot.scheduler import start_scheduler
    from bot.server import EVENTS_PATH, make_server
    from storage.db import Database

    token, secret = "xoxb-sandbox-" + secrets.token_hex(8), secrets.token_hex(16)
    clock = SandboxClock(now)
    workspace = people.build_workspace(token, clock)
    holder: dict = {}
    slack = listen(workspace, port, lambda *request: web.pages(holder["sandbox"])(*request), find_free)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database_path}{suffix}").unlink(missing_ok=True)
    settings = sandbox_settings(slack.base_url, database_path, token, secret)
    db = Database(settings.database_url)
    db.upgrade()
    services = create_services(settings, db=db, clock=clock)
    app = create_app(services)
    bot_server = make_server(app, db, "127.0.0.1", 0)
    events_url = f"http://127.0.0.1:{bot_server.effective_port}{EVENTS_PATH}"
    visitor = Visitor(workspace, events_url, secret, slack.response_url_for)
    sandbox = Sandbox(workspace, slack, services, clock, visitor, ServedBot(bot_server))
    if demo:
        sandbox.opens_on = {"user": people.MAYA.id, "conversation": workspace.dm_with_bot(people.MAYA.id).id}
    holder["sandbox"] = sandbox
    slack.start()
    if demo:
        from bot.sandbox import demo as demo_data
        from bot.sandbox import demo_calendar

        demo_data.seed(services, clock)
        demo_calendar.connect_maya(services, sandbox.serve_feed)
    sandbox.scheduler = start_scheduler(services)
    return sandbox


def run(args: argparse.Namespace) -> int:
    from bot.jobs_cli import USAGE_NOW, parse_now
    from bot.settings import SettingsError

    try:
        now = parse_now(args.now) if args.now else datetime.now(UTC).replace(second=0, microsecond=0)
    except ValueError:
        print(f"--now must be {USAGE_NOW}, not {args.now!r}.", file=sys.stderr)
        return 2
    port = DEFAULT_PORT if args.port is None else args.port
    if not 0 <= port <= 65535:
        print(f"--port must be between 1 and 65535 (0: any free port), not {port}.", file=sys.stderr)
        return 2
    from bot.logs import configure_logging  # no secret in any log line (the sandbox's own included)

    configure_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    try:
        sandbox = start(port, Path(DATABASE_FILE).resolve(), now, demo=args.demo, find_free=args.port is None)
    except OSError as error:
        print(f"Could not listen on port {port}: {error.strerror}. Pick another with --port.", file=sys.stderr)
        return 2
    except SettingsError as problem:
        print(problem, file=sys.stderr)
        return 2
    print(f"Pipeline Coach sandbox: open {sandbox.url} in your browser. No Slack app, no token; Ctrl+C stops it.")
    if args.port is None and sandbox.slack.port != port:
        print(f"Port {port} was taken (another sandbox?), so this one listens on {sandbox.slack.port}.")
    print(f"Its data lives in {DATABASE_FILE} (started afresh{' with the demo team' if args.demo else ''}).")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    # A job of the sandbox's scheduler may still be mid-tick; its Slack is gone and its database file is
    # the sandbox's own (a write cut short rolls back), so nothing is lost by not waiting for it.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)
