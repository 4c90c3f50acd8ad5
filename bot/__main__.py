"""`python -m bot`, or `pipeline-coach` once installed: run the bot (default), `sandbox` (the bot in a
browser, with an embedded Slack: bot/sandbox), `db upgrade`, `jobs list|run`, `crm sync|status`, `import …`,
`workspace erase TEAM_ID`, `keys new|encrypt|rotate`."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from bot import crm_cli, jobs_cli, keys, keys_cli
from bot.logs import configure_logging
from bot.redaction import settings_secrets
from bot.sandbox import runner as sandbox_runner
from bot.settings import SettingsError, load_settings

log = logging.getLogger("pipeline_coach")
CONSOLE_SCRIPT = "pipeline-coach"  # pyproject.toml's [project.scripts]: console() below


def main(argv: list[str] | None = None) -> int:
    prog = CONSOLE_SCRIPT if _installed() else "python -m bot"
    parser = argparse.ArgumentParser(prog=prog, description="Pipeline Coach, the Slack sales coach.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot (the default)")
    db_parser = commands.add_parser("db", help="database maintenance")
    db_parser.add_argument("action", choices=["upgrade"], help="apply migrations")
    jobs_cli.add_arguments(commands)
    crm_cli.add_arguments(commands)
    sandbox_runner.add_arguments(commands)
    workspace_parser = commands.add_parser("workspace", help="a workspace's data")
    workspace_parser.add_argument("action", choices=["erase"], help="erase every row of the workspace now")
    workspace_parser.add_argument("team_id", help="the workspace's id, e.g. T0123ABCD")
    keys_cli.add_arguments(commands)
    args = parser.parse_args(argv)
    if args.command == "sandbox":  # its own settings: no token, no DATABASE_URL, no .env
        return sandbox_runner.run(args)
    if args.command == "keys" and args.action == "new":  # the key the settings may still be waiting for
        return keys_cli.print_new_key()
    if args.command == "jobs" and (early := jobs_cli.check(args)) is not None:
        return early
    if args.command == "workspace" and not re.fullmatch(r"[TE][A-Z0-9]{1,31}", args.team_id):
        print(f"{args.team_id!r} is not a workspace id: it looks like T0123ABCD.", file=sys.stderr)
        return 2

    try:
        settings = load_settings()
    except SettingsError as problem:
        print(problem, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings_secrets(settings), log_format=settings.log_format)

    from storage.db import Database

    db = Database(settings.database_url, timeouts=settings.db_timeouts, connections=settings.db_connections)
    try:
        db.upgrade()
    except Exception as error:  # the database is the one thing we cannot run without
        print(
            f"Could not prepare the database at DATABASE_URL: {error.__class__.__name__}: {error}",
            file=sys.stderr,
        )
        return 2
    if args.command == "keys":
        return keys_cli.run(args, settings, db)
    try:
        keys.prepare(settings, db)  # a key that cannot read the stored secrets stops here; plain ones get sealed
    except keys.KeyProblem as problem:
        print(problem, file=sys.stderr)
        return 2
    if args.command == "db":
        print("Database is up to date.")
        return 0
    if args.command == "jobs":
        return jobs_cli.run(args, settings, db)
    if args.command in ("crm", "import"):
        return crm_cli.run(args, settings, db)
    if args.command == "workspace":
        return erase_workspace(settings, db, args.team_id)
    return run(settings, db)


def _installed() -> bool:
    """Started as the console script `pipeline-coach` rather than `python -m bot`."""
    return os.path.basename(sys.argv[0]) == CONSOLE_SCRIPT


def erase_workspace(settings, db, team_id: str) -> int:
    from bot.app import create_services
    from bot.services.erase import erase_workspace as erase

    removed = erase(create_services(settings, db=db), team_id)
    total = sum(removed.values())
    print(f"Erased workspace {team_id}: {total} rows" + (f" ({_listed(removed)})." if total else "."))
    return 0


def _listed(removed: dict[str, int]) -> str:
    return ", ".join(f"{table} {rows}" for table, rows in sorted(removed.items()) if rows)


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
        if settings.metrics_port is not None:
            from bot import metrics

            try:
                metrics.serve(settings.metrics_port)
            except OSError as error:
                handler.close()
                print(f"Could not serve GET /metrics on METRICS_PORT {settings.metrics_port}: {error.strerror}. "
                      "Set METRICS_PORT to a free port, or leave it empty.", file=sys.stderr)  # fmt: skip
                return 2
            log.info("Prometheus metrics: GET /metrics on port %s", settings.metrics_port)
        if settings.crm_connectable and not _serve_crm_callback(app, db, services, settings.port):
            handler.close()
            return 2
        log.info("Pipeline Coach is connected to Slack over Socket Mode")
        handler.on_refused = stop.set  # a token revoked while running: stop gracefully, then say so
        scheduler = start_scheduler(services)  # the coach's jobs, unless SCHEDULER_ENABLED=false
        code = lifecycle.serve_socket_mode(handler, listeners, scheduler, grace, stop, db.dialect)
        if handler.refused:
            print(handler.refused, file=sys.stderr)
            return 2
        return code
    from bot.server import make_server

    try:
        server = make_server(app, db, "0.0.0.0", settings.port, threads=settings.worker_threads, services=services)
    except OSError as error:
        print(f"Could not listen on PORT {settings.port}: {error.strerror}. Set PORT to a free port.", file=sys.stderr)
        return 2
    scheduler = start_scheduler(services)
    paths = (
        "POST /slack/events, GET /healthz, GET /metrics"
        + (", GET /slack/install and /slack/oauth_redirect" if settings.oauth else "")
        + (", GET /crm/oauth/callback" if settings.crm_connectable else "")
    )
    log.info("Pipeline Coach is listening on port %s (%s)", settings.port, paths)
    return lifecycle.serve_http(server, listeners, scheduler, grace, stop, db.dialect)


def _serve_crm_callback(app, db, services, port: int) -> bool:
    """Socket Mode has no HTTP server for Slack; a CRM's OAuth callback still needs one: a small one on PORT
    (the callback and /healthz only), on a thread of its own. False (said in one line) if PORT is taken."""
    import threading

    from bot.server import make_server

    try:
        server = make_server(app, db, "0.0.0.0", port, threads=2, services=services, slack_events=False)
    except OSError as error:
        print(f"Could not listen on PORT {port} for the CRM's OAuth callback: {error.strerror}. Set PORT to a free "
              "port (not METRICS_PORT's).", file=sys.stderr)  # fmt: skip
        return False
    threading.Thread(target=server.run, name="crm-callback", daemon=True).start()
    log.info("listening on port %s for GET /crm/oauth/callback and /healthz", port)
    return True


def exit_with(code: int) -> None:
    """A clean stop exits normally; one that left work behind must not wait on it at interpreter exit."""
    if code == 1:
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def console() -> None:
    """The `pipeline-coach` console script: the same as `python -m bot`, subcommands included."""
    exit_with(main())


if __name__ == "__main__":
    console()
