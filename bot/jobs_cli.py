"""`python -m bot jobs list` and `python -m bot jobs run <job> [--now ISO-8601]`.

`jobs run` runs one job once, exactly as the scheduler would at that instant: use it to re-run a missed
run (claims make a second run harmless) or to try the coach at a chosen moment. Mistakes in the
arguments get one clear line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.jobs import JOBS

USAGE_NOW = "an ISO-8601 time such as 2026-11-23T15:00:00Z (no zone means UTC)"


def add_arguments(commands) -> None:
    jobs = commands.add_parser("jobs", help="list or run the coach's scheduled jobs")
    jobs.add_argument("action", choices=["list", "run"], help="list the jobs, or run one once")
    jobs.add_argument("job", nargs="?", help="with run: " + ", ".join(JOBS))
    jobs.add_argument("--now", help="with run: the instant to run at, " + USAGE_NOW)


def parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check(args: argparse.Namespace) -> int | None:
    """Everything that needs no settings or database: list the jobs, or reject bad arguments (exit 2)."""
    if args.action == "list":
        for job in JOBS.values():
            print(f"{job.name:<14} {job.description}")
        print("The scheduler runs every job every NUDGE_CHECK_MINUTES (15 by default).")
        return 0
    if args.job not in JOBS:
        named = f"Unknown job {args.job!r}" if args.job else "Name a job to run"
        print(f"{named}. Jobs: {', '.join(JOBS)} (python -m bot jobs run nudges).", file=sys.stderr)
        return 2
    try:
        parse_now(args.now)
    except ValueError:
        print(f"--now must be {USAGE_NOW}, not {args.now!r}.", file=sys.stderr)
        return 2
    return None


def run(args: argparse.Namespace, settings, db) -> int:
    from bot.app import create_services

    now = parse_now(args.now)
    started = time.monotonic()  # the run's clock starts at --now and moves on, so leases of a long run renew
    services = create_services(settings, db=db, clock=lambda: now + timedelta(seconds=time.monotonic() - started))
    try:
        report = JOBS[args.job].run(services, now)
    except Exception as error:
        print(f"Job {args.job} failed: {error.__class__.__name__}: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0
