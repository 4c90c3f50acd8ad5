"""The fan-out at scale: N reps due at one reflection slot, cold time-zone cache, delivered by one and
then two bot instances (real `python -m bot jobs run reflections` processes) through a local Slack that
answers after --latency seconds and enforces Slack's published limits on its own side (bench/slack_limits.py:
per method per workspace, per channel, conversations.history at 1 a minute and 15 messages). Every rep has
a quota and open deals, so each batch's "number riding on one deal" read has work to do. With --kill, a
further run kills (SIGKILL) an instance mid-slot once --kill after DMs went out, then ticks again a minute
apart (on the job's clock) until the slot is delivered: reps reached, duplicates, claims that waited for
their DM's history.

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
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import slack_limits  # noqa: E402
from bench.slack_limits import LimitedSlack  # noqa: E402
from bot.ratelimit import PER_MINUTE  # noqa: E402
from storage import claims, reps  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Opportunity, Quota, Rep, ScheduledMessage, Workspace  # noqa: E402

TEAM = "T1"
SLOT = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Friday 15:00 in New York, everyone's reflection slot


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="reps due at the slot (default 2,000)")
    slack_limits.add_options(parser, speedup=10)
    parser.add_argument("--workers", type=int, default=8, help="FANOUT_WORKERS of each instance (8)")
    parser.add_argument("--instances", default="1,2", help="instance counts to run, in order (1,2)")
    parser.add_argument("--kill", type=int, default=0, help="then kill -9 one instance after this many DMs (0: no)")
    return parser.parse_args(argv)


def reset_schema(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, count: int) -> list[str]:
    """`count` reps, each with this quarter's quota and two open deals closing in it (one of them large)."""
    people = [f"U{n:06d}" for n in range(count)]
    for start in range(0, count, 5000):
        reps.ensure_reps(db, TEAM, people[start : start + 5000], SLOT)
    with db.engine.begin() as connection:
        for start in range(0, count, 5000):
            chunk = people[start : start + 5000]
            connection.execute(insert(Quota), [quota(user) for user in chunk])
            connection.execute(insert(Opportunity), [_deal(user, n, amount) for user in chunk
                                                     for n, amount in ((1, 80_000), (2, 5_000))])  # fmt: skip
    return people


def _deal(user: str, number: int, amount: int) -> dict:
    name = f"{user} deal {number}"
    return {"team_id": TEAM, "owner_id": user, "name": name, "name_key": name.lower(), "stage": "Proposal",
            "status": "open", "amount": amount, "expected_close": date(2026, 12, 15),
            "created_at": SLOT - timedelta(days=40), "last_change_at": SLOT - timedelta(days=40)}  # fmt: skip


def quota(user: str) -> dict:
    return {"team_id": TEAM, "user_id": user, "period_start": date(2026, 10, 1), "amount": 100_000, "set_at": SLOT}


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


class PeakWatcher:
    """A child's own peak resident memory (Linux's VmHWM), read every 50 ms until it exits. Not its max
    RSS from wait4: a child started by fork/vfork inherits the parent's high-water mark at exec, so the
    seeding process's memory would be counted as the instance's."""

    def __init__(self, pid: int) -> None:
        self.status, self.peak = Path(f"/proc/{pid}/status"), 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                for line in self.status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)
            except OSError:
                return  # gone (or not Linux)
            self._done.wait(0.05)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


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
    watchers = [PeakWatcher(child.pid) for child in children]
    logs = []
    for child in children:
        out, err = child.communicate()
        logs.append((child.returncode, out.strip(), err.strip()))
    peaks = [watcher.stop() for watcher in watchers]
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
        "spans": {method: (first - started, last - started) for method, (first, last) in slack.spans.items()},
        "reached": len(slack.delivered),
        "duplicates": sum(count - 1 for count in slack.delivered.values() if count > 1),
        "logs": logs,
    }


def run_killed(slack: LimitedSlack, db: Database, url: str, args: argparse.Namespace) -> dict:
    """One instance killed (SIGKILL) once `--kill` DMs went out, then a tick a minute (the job's clock; Slack's
    minute passes between them too) until every rep has their DM or 30 ticks have run."""
    cold_start(db)
    slack.reset()
    env = instance_env(slack, url, args)
    command = [sys.executable, "-m", "bot", "jobs", "run", "reflections", "--now"]
    child = subprocess.Popen([*command, SLOT.isoformat()], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    while child.poll() is None and sum(slack.delivered.values()) < args.kill:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    at_kill = sum(slack.delivered.values())
    tick, ticks = SLOT + claims.LEASE + timedelta(minutes=1), 0
    while ticks < 30 and (len(slack.delivered) < args.reps or waiting(db)):
        time.sleep(slack.minute)
        subprocess.run([*command, tick.isoformat()], cwd=ROOT, env=env, capture_output=True, check=False)
        tick, ticks = tick + timedelta(minutes=1), ticks + 1
    return {
        "at_kill": at_kill,
        "ticks": ticks,
        "reached": len(slack.delivered),
        "duplicates": sum(count - 1 for count in slack.delivered.values() if count > 1),
        "history": slack.calls["conversations.history"],
        "limited": dict(slack.limited),
        "overreach": slack.history_overreach,
    }


def waiting(db: Database) -> int:
    with db.engine.connect() as connection:
        statuses = text("SELECT count(*) FROM scheduled_messages WHERE status <> 'sent' AND status <> 'skipped'")
        return int(connection.execute(statuses).scalar() or 0)


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
    spans = ", ".join(f"{method} {first:.1f}–{last:.1f} s" for method, (first, last) in sorted(result["spans"].items()))
    print(f"    each method's first and last call after the start: {spans}")
    for code, out, err in result["logs"]:
        if code != 0 or err:
            print(f"    instance exit {code}: {(err or out)[-400:]}")
        for line in out.splitlines():
            print(f"    {line}")


AT_THE_LIMIT = 1.2  # an instance within 1.2× of the bound is going at Slack's pace, not its own


def two_instances_verdict(one: dict, two: dict) -> str:
    """Two instances ÷ one, read against what set the pace: a second instance halves a slot only while one
    instance alone is slower than Slack's limit; at the limit, both should sit on the bound."""
    ratio = two["seconds"] / one["seconds"]
    paced = one["seconds"] / one["bound"] if one["bound"] else math.inf
    if paced <= AT_THE_LIMIT:
        return (
            f"Two instances ÷ one: {ratio:.2f}×. One instance already delivered at {paced:.2f}× the bound, so "
            f"Slack's limit set the pace; two took {two['seconds'] / two['bound']:.2f}× the bound (goal ≤ 1.2×)"
        )
    alone = f"took {paced:.2f}× the bound" if one["bound"] else "fit within Slack's bursts"
    return f"Two instances ÷ one: {ratio:.2f}× (goal ≤ 0.6×). One instance alone {alone}: the instance set the pace"


def main(argv: list[str] | None = None) -> list[dict]:
    args = arguments(argv)
    counts = [int(part) for part in args.instances.split(",") if part.strip()]

    def prepare(db: Database) -> list[str]:
        reset_schema(db)
        return seed(db, args.reps)

    limits = (
        f"Slack's minute lasts {60 / args.speedup:g} s (chat.postMessage 600, users.list 20, conversations.history "
        f"1 a minute); {args.workers} workers per instance"
    )
    results = []
    with slack_limits.seeded_run(args, "fanout.db", prepare, limits) as (url, db, _, slack, _):
        for instances in counts:
            results.append(run(slack, db, url, instances, args))
            report(results[-1], args, db.dialect)
        if args.kill:
            killed = run_killed(slack, db, url, args)
            print(
                f"[{db.dialect}] kill -9 after {killed['at_kill']:,} DMs, then {killed['ticks']} tick(s) a minute "
                f"apart: "
                f"{killed['reached']:,} of {args.reps:,} reps reached (lost {args.reps - killed['reached']:,}), "
                f"duplicates {killed['duplicates']}; conversations.history calls {killed['history']} "
                f"(asking over 15: {killed['overreach']}); answered 429: {killed['limited'] or 'none'}"
            )
            results.append(killed)
    if len(results) >= 2 and results[0]["seconds"]:
        print(two_instances_verdict(results[0], results[1]))
    return results


if __name__ == "__main__":
    main()
