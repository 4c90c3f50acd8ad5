"""`python -m bot`: run the bot (default), `sandbox` (the bot in a browser, with an embedded Slack:
bot/sandbox), `db upgrade`, `jobs list|run`, `crm sync|status`, `import …`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import crm_cli, jobs_cli
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
    crm_cli.add_arguments(commands)
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

    db = Database(settings.database_url, timeouts=settings.db_timeouts)
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
    if args.command in ("crm", "import"):
        return crm_cli.run(args, settings, db)
    return run(settings, db)


def run(settings, db) -> int:
    from bot import lifecycle
    from bot.app import create_app, create_services
    from bot.scheduler import start_scheduler
    from bot.workers import ListenerPool

    services = create_services(settings, db=db)
    listeners = ListenerPool(settings.worker_threads)
    app = create_app(services, listeners)
    stop = lifecycle.stop_requested()
    grace = settings.shutdown_grace_seconds
    if settings.socket_mode:
        from bot.socket_mode import CoachSocketModeHandler, StartupError

        handler = CoachSocketModeHandler(app, settings.slack_app_token, concurrency=settings.worker_threads)
        try:
            handler.open()
        except StartupError as problem:
            print(problem, file=sys.stderr)
            return 2
        log.info("Pipeline Coach is connected to Slack over Socket Mode")
        scheduler = start_scheduler(services)  # the coach's jobs, unless SCHEDULER_ENABLED=false
        return lifecycle.serve_socket_mode(handler, listeners, scheduler, grace, stop)
    from bot.server import make_server

    try:
        server = make_server(app, db, "0.0.0.0", settings.port, threads=settings.worker_threads)
    except OSError as error:
        print(f"Could not listen on PORT {settings.port}: {error.strerror}. Set PORT to a free port.", file=sys.stderr)
        return 2
    scheduler = start_scheduler(services)
    log.info("Pipeline Coach is listening on port %s (POST /slack/events, GET /healthz)", settings.port)
    return lifecycle.serve_http(server, listeners, scheduler, grace, stop)


def exit_with(code: int) -> None:
    """A clean stop exits normally; one that left work behind must not wait on it at interpreter exit."""
    if code == 1:
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    exit_with(main())
