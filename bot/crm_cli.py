"""`python -m bot crm sync [--full] | status [--workspace T…]`, and the door to `python -m bot import`
(bot/import_cli.py).

Both act on every workspace with a CRM: each one whose admin connected its own from Slack, and the
environment's (a single-workspace install's HUBSPOT_ACCESS_TOKEN or SALESFORCE_* settings); `--workspace`
picks one. `status` prints one line per workspace (its CRM, connected or revoked, when it last synced, how
many writes wait in its outbox; never a token), and a single workspace's sync state in full. An operator's
mistake (no CRM configured, an unknown workspace, a refused token) gets one line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

NO_CRM = (
    "Set HUBSPOT_ACCESS_TOKEN to connect HubSpot, or Salesforce's SALESFORCE_* settings "
    "(docs/admins/crm.md walks through both)."
)
REVOKED = "its connection was revoked: its admin connects it again with /opportunity admin crm"
NOT_INSTALLED = "the app is not installed there"
NONE_CONNECTED = "No workspace has connected a CRM yet: each one's admin connects theirs with /opportunity admin crm."


def add_arguments(commands) -> None:
    crm = commands.add_parser("crm", help="sync with each workspace's CRM (HubSpot or Salesforce), or show its state")
    crm.add_argument("action", choices=["sync", "status"], help="sync now, or show each workspace's CRM")
    crm.add_argument("--full", action="store_true", help="with sync: read every deal again (never celebrates)")
    crm.add_argument("--workspace", metavar="T…", help="only this workspace (its Slack team id)")
    from bot.import_cli import add_arguments as add_import_arguments  # the import command's own module

    add_import_arguments(commands)


def run(args: argparse.Namespace, settings, db) -> int:
    from bot.app import create_services
    from bot.services.crm_status import workspaces

    if args.command == "import":
        from bot.import_cli import run_import

        return run_import(args, settings)
    if not settings.crm_sync_on:
        print(NO_CRM, file=sys.stderr)
        return 2
    services = create_services(settings, db=db)
    now = datetime.now(UTC)
    found = workspaces(services)
    if args.workspace:
        found = [one for one in found if one.team_id == args.workspace]
        if not found:
            print(f"Workspace {args.workspace} has no CRM here: `python -m bot crm status` lists those that do.",
                  file=sys.stderr)  # fmt: skip
            return 2
    if not found:
        print(NONE_CONNECTED, file=sys.stderr if args.action == "sync" else sys.stdout)
        return 2 if args.action == "sync" else 0
    if args.action == "status":
        return _status(services, found, now)
    return _sync(services, found, now, full=args.full, named=bool(args.workspace) or _several(found))


def _several(found) -> bool:
    """Lines name their workspace unless the environment's is the only one (a single-workspace install)."""
    from bot.services.crm_status import ENVIRONMENT

    return len(found) > 1 or found[0].standing != ENVIRONMENT


def _status(services, found, now: datetime) -> int:
    from bot.services.crm_status import status_lines

    for one in found:
        print(one.line(now))
    if len(found) == 1 and found[0].syncs:  # one workspace: its sync's state in full
        for line in status_lines(services.for_team(found[0].team_id), found[0].team_id):
            print(f"  {line}")
    return 0


def _sync(services, found, now: datetime, *, full: bool, named: bool) -> int:
    """Each workspace that syncs, one after another; one line each, whatever the others did. A revoked or
    uninstalled workspace is named and passed over (an error only when it was the one asked for)."""
    from bot.installations import NotInstalled
    from bot.integrations import crm_label
    from bot.services import workspace
    from bot.services.crm_push import run_sync

    stopped, worst = workspace.stopped_teams(services), 0
    for one in found:
        prefix = f"{one.team_id} ({crm_label(one.provider)}): " if named else ""
        passed, report = REVOKED if not one.syncs else NOT_INSTALLED if one.team_id in stopped else None, None
        if passed is None:
            try:
                scoped = services.for_team(one.team_id)
                report = run_sync(scoped, now, full=full, log_errors=False, team_id=one.team_id)
            except NotInstalled:
                passed = NOT_INSTALLED
        if report is None:
            print(f"{prefix}not synced: {passed}", file=sys.stderr)
            worst = max(worst, 2 if len(found) == 1 else 0)
        elif report.error:
            print(prefix + report.summary(), file=sys.stderr)
            worst = max(worst, 2 if report.bad_token else 1)
        else:
            print(prefix + report.summary())
    return worst
