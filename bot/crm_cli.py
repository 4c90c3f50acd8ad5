"""`python -m bot crm sync [--full] | status` and `python -m bot import opportunities|activities FILE.csv`.

An operator's mistake (no HubSpot token, a refused token, an unreadable file, a missing --team) gets one
line and exit status 2; rejected rows are listed with their line numbers and the rest import.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError


def add_arguments(commands) -> None:
    crm = commands.add_parser("crm", help="sync with HubSpot, or show the sync's state")
    crm.add_argument("action", choices=["sync", "status"], help="sync now, or show mapping, owners and flags")
    crm.add_argument("--full", action="store_true", help="with sync: read every deal again (never celebrates)")
    imports = commands.add_parser("import", help="import opportunities or activities from an export-shaped CSV")
    imports.add_argument("kind", choices=["opportunities", "activities"])
    imports.add_argument("file", help="a CSV with the columns /opportunity export writes")
    imports.add_argument("--team", help="the workspace (team id, T0123ABCD); default: the bot's own workspace")
    imports.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")


def run(args: argparse.Namespace, settings, db) -> int:
    from bot.app import create_services

    services = create_services(settings, db=db)
    now = datetime.now(UTC)
    if args.command == "import":
        return _import(args, services, now)
    if not settings.crm_enabled:
        print('Set HUBSPOT_ACCESS_TOKEN to connect HubSpot (see the README\'s "CRM: HubSpot").', file=sys.stderr)
        return 2
    if args.action == "status":
        for line in status_lines(services):
            print(line)
        return 0
    from bot.services.crm_push import run_sync

    report = run_sync(services, now, full=args.full, log_errors=False)
    if report.error:
        print(report.summary(), file=sys.stderr)
        return 2 if report.bad_token else 1
    print(report.summary())
    return 0


def status_lines(services) -> list[str]:
    """`crm status` for the workspace the bot token belongs to (bot/services/crm_status.py)."""
    from bot.services.crm_status import status_lines as lines_for

    return lines_for(services, services.client.auth_test()["team_id"])


def _import(args, services, now) -> int:
    from bot.services.csv_import import BadFile, import_file

    def lookup(email: str) -> str | None:
        try:
            user = services.client.users_lookupByEmail(email=email)["user"]
        except SlackApiError:
            return None
        return None if user.get("deleted") else user["id"]

    team_id = args.team or services.client.auth_test()["team_id"]
    try:
        report = import_file(
            services.db, team_id, args.kind, args.file, lookup, services.settings.all_stages, now, args.dry_run
        )
    except BadFile as problem:
        print(problem, file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    return 0
