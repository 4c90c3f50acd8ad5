"""The fan-out at scale: N reps due at one reflection slot, cold time-zone cache, delivered by one and
then two bot instances (real `python -m bot jobs run reflections` processes) through a local Slack that
answers after --latency seconds and enforces Slack's published per-method limits (bench/slack_limits.py).

Prints, per run: time to deliver every DM, the lower bound set by the limits alone, their ratio, each
instance's peak memory (max RSS), Web API calls per method (and how many Slack answered 429), and any
rep who got two DMs. `--speedup` multiplies every limit (the bot's and the stand-in's alike), so a run
shows in seconds what takes minutes at Slack's real pace; ratios are what the goals are about.

It drops and recreates the bot's tables in the database you give it. Never point it at real data.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_limits import LimitedSlack  # noqa: E402
from bot.ratelimit import PER_MINUTE  # noqa: E402
from storage import reps  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Rep, ScheduledMessage, Workspace  # noqa: E402

TEAM = "T1"
SLOT = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Friday 15:00 in New York, everyone's reflection slot


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="reps due at the slot (default 2,000)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds Slack takes to answer (0.05)")
    parser.add_argument("--speedup", type=float, default=10, help="multiply every rate limit by this (10)")
    parser.add_argument("--workers", type=int, default=8, help="FANOUT_WORKERS of each instance (8)")
    parser.add_argument("--instances", default="1,2", help="instance counts to run, in order (1,2)")
    parser.add_argument("--database-url", help="a database of its own (default: a temporary SQLite file)")
    return parser.parse_args(argv)


def reset_schema(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, count: int) -> list[str]:
    people = [f"U{n:06d}" for n in range(count)]
    for start in range(0, count, 5000):
        reps.ensure_reps(db, TEAM, people[start : start + 5000], SLOT)
    return people


def cold_start(db: Database) -> None:
    """Nothing sent, no zone known: as on the first Friday after the bot was installed."""
    with db.transaction() as session:
        session.execute(delete(ScheduledMessage))
        session.execute(update(Rep).values(tz=None, tz_checked_at=None))
        session.execute(
            update(Workspace).values(
                zones_refreshed_at=None, zones_due_at=None, zones_lease_by=None, zones_lease_until=None
            )
        )


def instance_env(slack: LimitedSlack, url: str, args: argparse.Namespace) -> dict[str, str]:
    limits = ",".join(f"{method}={round(limit * args.speedup)}" for method, limit in PER_MINUTE.items())
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": url,
        "SLACK_RATE_LIMITS": limits,
        "FANOUT_WORKERS": str(args.workers),
        "LOG_LEVEL": "WARNING",
    }


def run(slack: LimitedSlack, db: Database, url: str, instances: int, args: argparse.Namespace) -> dict:
    cold_start(db)
    slack.reset()
    command = [sys.executable, "-m", "bot", "jobs", "run", "reflections", "--now", SLOT.isoformat()]
    started = time.monotonic()
    children = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=instance_env(slack, url, args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(instances)
    ]
    peaks, logs = [], []
    for child in children:
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss / 1024)
        out, err = child.communicate()
        logs.append((child.returncode, out.strip(), err.strip()))
    finished = time.monotonic()
    delivered = slack.last_delivery - started if slack.last_delivery else math.inf
    return {
        "instances": instances,
        "seconds": delivered,
        "wall": finished - started,
        "bound": slack.bound(args.reps),
        "peaks": peaks,
        "calls": dict(slack.calls),
        "limited": dict(slack.limited),
        "reached": len(slack.delivered),
        "duplicates": sum(count - 1 for count in slack.delivered.values() if count > 1),
        "logs": logs,
    }


def report(result: dict, args: argparse.Namespace, dialect: str) -> None:
    ratio = f"{result['seconds'] / result['bound']:.2f}×" if result["bound"] else "n/a (all within the burst)"
    print(
        f"[{dialect}] {result['instances']} instance(s): {result['reached']:,} of {args.reps:,} reps got their DM "
        f"in {result['seconds']:.1f} s (processes done at {result['wall']:.1f} s); bound from limits "
        f"{result['bound']:.1f} s; ratio {ratio}; duplicates {result['duplicates']}"
    )
    print(f"    peak memory per instance: {', '.join(f'{peak:.0f} MB' for peak in result['peaks'])}")
    calls = ", ".join(f"{method} {count:,}" for method, count in sorted(result["calls"].items()))
    limited = ", ".join(f"{method} {count:,}" for method, count in sorted(result["limited"].items())) or "none"
    print(f"    Web API calls: {calls}; answered 429: {limited}")
    for code, out, err in result["logs"]:
        if code != 0 or err:
            print(f"    instance exit {code}: {(err or out)[-400:]}")
        for line in out.splitlines():
            print(f"    {line}")


def main(argv: list[str] | None = None) -> list[dict]:
    args = arguments(argv)
    counts = [int(part) for part in args.instances.split(",") if part.strip()]
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'fanout.db'}"
        db = Database(url)
        print(
            f"Seeding {args.reps:,} reps in {db.dialect}; Slack answers after {args.latency * 1000:.0f} ms; limits "
            f"× {args.speedup:g} (chat.postMessage {PER_MINUTE['chat.postMessage'] * args.speedup:,.0f}/min, "
            f"users.list {PER_MINUTE['users.list'] * args.speedup:,.0f}/min); {args.workers} workers per instance"
        )
        reset_schema(db)
        people = seed(db, args.reps)
        slack = LimitedSlack(people, args.latency, args.speedup)
        results = []
        try:
            for instances in counts:
                results.append(run(slack, db, url, instances, args))
                report(results[-1], args, db.dialect)
        finally:
            slack.stop()
            db.dispose()
        if len(results) == 2 and results[0]["seconds"]:
            print(f"Two instances ÷ one: {results[1]['seconds'] / results[0]['seconds']:.2f}×")
    return results


if __name__ == "__main__":
    main()
