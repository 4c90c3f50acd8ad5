"""`python -m bot crm sync [--full] | status`, and the door to `python -m bot import` (bot/import_cli.py).

An operator's mistake (no CRM configured, a refused token) gets one line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def add_arguments(commands) -> None:
    crm = commands.add_parser("crm", help="sync with the CRM (HubSpot or Salesforce), or show the sync's state")
    crm.add_argument("action", choices=["sync", "status"], help="sync now, or show mapping, owners and flags")
    crm.add_argument("--full", action="store_true", help="with sync: read every deal again (never celebrates)")
    from bot.import_cli import add_arguments as add_import_arguments  # the import command's own module

    add_import_arguments(commands)


def run(args: argparse.Namespace, settings, db) -> int:
    from bot.app import create_services

    if args.command == "import":
        from bot.import_cli import run_import

        return run_import(args, settings)
    services = create_services(settings, db=db)
    now = datetime.now(UTC)
    if not settings.crm_enabled:
        print(
            "Set HUBSPOT_ACCESS_TOKEN to connect HubSpot, or Salesforce's SALESFORCE_* settings "
            "(docs/admins/crm.md walks through both).",
            file=sys.stderr,
        )
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
