"""`python -m bot import opportunities|activities FILE.csv [--dry-run] [--map …] [--stage …] …`.

Runs on a database connection of its own whose transactions may take BATCH_SECONDS (the bot's requests
keep their 2-second limit): each batch is one transaction. Progress goes to stderr, a bar on a terminal
and a plain line per 10,000 rows otherwise; the report goes to stdout. Every mistake a user can make is
one line: exit 2 for the command or the file, 1 when the database goes away mid-way (re-running is safe).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError, SlackClientError

PLAIN_EVERY = 10_000
BAR_WIDTH = 30


def add_arguments(commands) -> None:
    imports = commands.add_parser(
        "import", help="import opportunities or activities: our export, or HubSpot's, Salesforce's, Pipedrive's"
    )
    imports.add_argument("kind", choices=["opportunities", "activities"])
    imports.add_argument("file", help="a CSV: /opportunity export's, another tool's deal export, or a spreadsheet")
    imports.add_argument("--team", help="the workspace (team id, T0123ABCD); default: the bot's own workspace")
    imports.add_argument("--dry-run", action="store_true", help="report what would change and the columns read")
    imports.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="'COLUMN=field'",
        help="read a column as ours; 'COLUMN=' ignores it",
    )
    imports.add_argument("--stage", action="append", default=[], metavar="'THEIRS=Ours'", help="read a stage as ours")
    imports.add_argument("--date-order", choices=["mdy", "dmy"], help="how dates like 03/04/2026 are read")
    imports.add_argument("--encoding", help="the file's encoding (default: detected)")
    imports.add_argument("--batch-size", type=int, default=None, help="rows a transaction (default 1000)")


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        theirs, sep, ours = value.partition("=")
        if not sep or not theirs.strip():
            raise ValueError(f"{option} {value!r} should look like 'Their name=ours'")
        pairs[theirs.strip()] = ours.strip()
    return pairs


def run_import(args: argparse.Namespace, settings) -> int:
    from bot.app import create_services
    from bot.installations import NotInstalled
    from bot.services import csv_import
    from storage.db import Database, DatabaseUnavailable

    try:
        options = csv_import.ImportOptions(
            args.kind,
            args.file,
            dry_run=args.dry_run,
            mapping=_pairs(args.map, "--map"),
            stages=_pairs(args.stage, "--stage"),
            date_order=args.date_order,
            encoding=args.encoding,
            batch_size=csv_import.BATCH_SIZE if args.batch_size is None else args.batch_size,
        )
        if not 1 <= options.batch_size <= 10_000:
            raise ValueError("--batch-size must be from 1 to 10000")
        if args.team and not re.fullmatch(r"[TE][A-Z0-9]{1,31}", args.team):
            raise ValueError(f"--team {args.team!r} is not a workspace id: it looks like T0123ABCD")
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    db = Database(
        settings.database_url,
        timeouts=replace(settings.db_timeouts, statement=csv_import.BATCH_SECONDS),
        connections=1,
    )
    services = create_services(settings, db=db)
    progress = Progress(sys.stderr)
    try:
        team_id = args.team or services.client.auth_test()["team_id"]
        scoped = services.for_team(team_id)
        report = csv_import.import_file(
            db, scoped.client, team_id, options, scoped.settings.open_stages, datetime.now(UTC), progress
        )
    except (csv_import.BadFile, csv_import.SlackTrouble) as problem:
        progress.end()
        print(problem, file=sys.stderr)
        return 2
    except csv_import.ImportStopped as problem:
        progress.end()
        print(problem, file=sys.stderr)
        return 1
    except DatabaseUnavailable as problem:
        print(f"The database did not answer ({problem}); nothing was imported.", file=sys.stderr)
        return 1
    except (SlackApiError, SlackClientError, NotInstalled) as problem:
        reason = problem.response.get("error") if isinstance(problem, SlackApiError) else problem
        print(f"Could not find the workspace with Slack ({reason}); give it with --team T0123ABCD", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        progress.end()
        print("Stopped. Running the same command again is safe: what was stored comes back unchanged.", file=sys.stderr)
        return 130
    finally:
        db.dispose()
    progress.end()
    for line in report.lines():
        print(line)
    return 0


class Progress:
    """A bar redrawn in place on a terminal; elsewhere (a log, a pipe) one plain line per 10,000 rows."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown: dict[str, int] = {}
        self.drawn = False

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        verb = phase.capitalize()
        if self.tty:
            bar = "#" * (BAR_WIDTH * done // total) if total else ""
            counted = f"{done:,} of {total:,}" if total else f"{done:,}"
            self.stream.write(f"\r{verb} [{bar:<{BAR_WIDTH}}] {counted} rows ")
            self.stream.flush()
            self.drawn = True
            return
        step = done // PLAIN_EVERY
        if step > self.shown.get(phase, 0):
            self.shown[phase] = step
            counted = f"{step * PLAIN_EVERY:,} of {total:,}" if total else f"{step * PLAIN_EVERY:,}"
            print(f"{verb} {counted} rows", file=self.stream, flush=True)

    def end(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.drawn = False
