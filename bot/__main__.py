"""`python -m bot`: run the bot (default), `python -m bot db upgrade`, `python -m bot jobs list|run`, or
`python -m bot sandbox` (the bot in a browser, with an embedded Slack: bot/sandbox)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot import jobs_cli
from bot.sandbox import runner as sandbox_runner
from bot.settings import SettingsError, load_settings

log = logging.getLogger("pipeline_coach")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Pipeline Coach, the Slack sales coach.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    db_parser = commands.add_parser("db", help="database maintenance")
    db_parser.add_argument("action", choices=["upgrade"], help="apply migrations")
    jobs_cli.add_arguments(commands)
    sandbox_runner.add_arguments(commands)
    args = parser.parse_args(argv)
    if args.command == "sandbox":  # its own settings: no token, no DATABASE_URL, no .env
        return sandbox_runner.run(args)
    if args.command == "jobs" and (early := jobs_cli.check(args)) is not None:
        return early

    try:
        settings = load_settings()
    except SettingsError as problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from storage.db import Database

    db = Database(settings.database_url)
    try:
        db.upgrade()
    except Exception as error:  # the database is the one thing we cannot run without
        print(
            f"Could not prepare the database at DATABASE_URL: {error.__class__.__name__}: {error}",
            file=sys.stderr,
        )
        return 2
    if args.command == "db":
        print("Database is up to date.")
        return 0
    if args.command == "jobs":
        return jobs_cli.run(args, settings, db)
    return run(settings, db)


def run(settings, db) -> int:
    from bot.app import create_app, create_services

    services = create_services(settings, db=db)
    app = create_app(services)
    from bot.scheduler import start_scheduler

    start_scheduler(services)  # the coach's jobs, unless SCHEDULER_ENABLED=false (daemon thread)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("Pipeline Coach is connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return 0
    from bot.server import make_server

    try:
        server = make_server(app, db, "0.0.0.0", settings.port)
    except OSError as error:
        print(f"Could not listen on PORT {settings.port}: {error.strerror}. Set PORT to a free port.", file=sys.stderr)
        return 2
    log.info("Pipeline Coach is listening on port %s (POST /slack/events, GET /healthz)", settings.port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
