"""The nudge tick against years of history and thousands of reps: does it follow its window, and is its
memory flat?

Runs the real nudge job (bot.jobs.nudges.run) for one steady tick: every rep's zone is cached, a tenth of
the reps are concentrated on one deal, and the tick falls on a Sunday, so the whole scan runs and nothing
is sent (a Web API call would fail: the client points at a closed port, and the benchmark says if one was
tried). Seeds --reps reps with --per-year activity rows each per year of history and a deal a month,
for 1 and then --years years, and times the tick (median of --repeat). Then, with one year of light
history, for each of --memory-reps: the Python heap's peak during one tick (tracemalloc), and the peak
memory (max RSS) of a fresh process that runs one tick and nothing else.
It drops and recreates the bot's tables in the database you give it.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text, update  # noqa: E402

from bot.app import create_services  # noqa: E402
from bot.jobs import nudges  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage import reps  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Activity, Base, Opportunity, Rep, Workspace  # noqa: E402

TEAM = "T1"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # a Sunday: the scan runs, nobody is in working hours
TODAY = NOW.date()
CONCENTRATED_EVERY = 10  # every tenth rep spent the week on one deal


def reset(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, count: int, years: int, per_year: int) -> None:
    """`count` reps in New York with zones fresh from today's bulk read, a deal a month for `years`, and
    `per_year` rows of selling time a year spread over the history; every tenth rep also logged eight
    hours on their newest deal this week."""
    people = [f"U{n:06d}" for n in range(count)]
    reps.ensure_reps(db, TEAM, people, NOW)
    days = 365 * years
    with db.engine.begin() as connection:
        connection.execute(update(Rep).values(tz="America/New_York", tz_checked_at=NOW - timedelta(hours=1)))
        refreshed = {"zones_refreshed_at": NOW - timedelta(hours=2), "zones_due_at": NOW + timedelta(hours=22)}
        connection.execute(update(Workspace).values(**refreshed))
        for first in range(0, count, 2000):
            connection.execute(insert(Opportunity), list(_deals(people[first : first + 2000], first, days)))
        ids = [row[0] for row in connection.execute(text("SELECT id FROM opportunities ORDER BY id"))]
        per_rep = len(ids) // count
        rows = []
        for index, user in enumerate(people):
            rows += _selling_time(user, ids[index * per_rep : (index + 1) * per_rep], index, days, per_year * years)
            if len(rows) >= 20000:
                connection.execute(insert(Activity), rows)
                rows = []
        if rows:
            connection.execute(insert(Activity), rows)
    # A database at rest, as autovacuum and SQLite's checkpoints leave it: statistics, the visibility map
    # that lets "last opened" read PostgreSQL's index alone, and SQLite's write-ahead log folded in.
    at_rest = create_engine(db.engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with at_rest.connect() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    at_rest.dispose()


def _deals(people: list[str], first: int, days: int):
    for index, user in enumerate(people, start=first):
        for month in range(0, days, 30):
            at = NOW - timedelta(days=days - month)
            name = f"Deal {index}-{month}"
            yield {
                "team_id": TEAM,
                "owner_id": user,
                "name": name,
                "name_key": name.lower(),
                "stage": "Discovery",
                "status": "open",
                "created_at": at,
                "last_change_at": at,
            }


def _selling_time(user: str, deals: list[int], index: int, days: int, rows: int) -> list[dict]:
    step = max(1, days // max(rows, 1))
    entries = [
        (TODAY - timedelta(days=(number * step) % days), deals[-1 - (number % 3)] if number % 4 else None, 45)
        for number in range(rows)
    ]
    if index % CONCENTRATED_EVERY == 0:
        entries += [(TODAY - timedelta(days=day), deals[-1], 60) for day in range(1, 9)]
    return [
        {
            "team_id": TEAM,
            "user_id": user,
            "kind": "deal" if deal else "calls",
            "opportunity_id": deal,
            "touches": 0,
            "minutes": minutes,
            "occurred_on": day,
            "created_at": NOW,
        }
        for day, deal, minutes in entries
    ]


def bot_services(url: str):
    """The bot's services on this database, the clock stopped at NOW, and a client that must not be used."""
    settings = Settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_app_token="",
        database_url=url,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    services = create_services(settings, clock=lambda: NOW)
    calls: list[str] = []

    def refuse(method, *args, **kwargs):
        calls.append(method)
        raise RuntimeError(f"the steady tick called Slack's {method}")

    services.client.api_call = refuse
    return services, calls


def one_tick(services) -> int:
    report = nudges.run(services, NOW)
    return report.reps


def measure(services, repeat: int) -> tuple[float, int]:
    reached = one_tick(services)  # warm: statement caches, the settings prefetch
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        one_tick(services)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), reached


def tick_process_peak(url: str) -> float:
    """Peak memory in MB of a new process that imports the bot, runs one nudge tick on `url`, and exits
    (its own high-water mark: a forked child's max RSS would count the parent's memory too)."""
    done = subprocess.run([sys.executable, __file__, "--one-tick", url], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the one-tick process failed: {done.stderr[-400:]}")
    return float(done.stdout.split()[-1])


def own_peak_mb() -> float:
    """This process's peak resident memory since it started (Linux's VmHWM; else the max RSS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_heap(services) -> float:
    one_tick(services)
    tracemalloc.start()
    one_tick(services)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--per-year", type=int, default=100, help="activity rows per rep per year (100)")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-reps", default="1000,50000", help="rep counts for the memory runs (1000,50000)")
    parser.add_argument("--database-url")
    parser.add_argument("--one-tick", metavar="URL", help=argparse.SUPPRESS)  # the child of tick_process_peak
    args = parser.parse_args(argv)
    if args.one_tick:
        services, _ = bot_services(args.one_tick)
        one_tick(services)
        print(f"{own_peak_mb():.1f}")
        return {}
    results: dict = {"seconds": {}, "peak_mb": {}, "process_mb": {}, "slack_calls": 0}
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'scan.db'}"
        services, calls = bot_services(url)
        db = services.db
        for years in (1, args.years):
            reset(db)
            seed(db, args.reps, years, args.per_year)
            seconds, reached = measure(services, args.repeat)
            results["seconds"][years] = seconds
            print(
                f"[{db.dialect}] {args.reps:,} reps, {years} year(s) of history "
                f"({args.reps * args.per_year * years:,} activity rows): one nudge tick {seconds * 1000:.0f} ms "
                f"({reached:,} reps scanned)"
            )
        for count in [int(part) for part in args.memory_reps.split(",") if part.strip()]:
            reset(db)
            seed(db, count, 1, 4)
            results["peak_mb"][count] = peak_heap(services)
            results["process_mb"][count] = tick_process_peak(url)
            print(
                f"[{db.dialect}] {count:,} reps: peak Python heap of one tick {results['peak_mb'][count]:.1f} MB; "
                f"a process running one tick peaks at {results['process_mb'][count]:.0f} MB"
            )
        results["slack_calls"] = len(calls)
        db.dispose()
    ratio = results["seconds"][args.years] / results["seconds"][1]
    print(f"{args.years} years ÷ 1 year: {ratio:.2f}× (goal ≤ 1.3×)")
    sizes = sorted(results["peak_mb"])
    if len(sizes) > 1:
        growth = results["peak_mb"][sizes[-1]] - results["peak_mb"][sizes[0]]
        process = results["process_mb"][sizes[-1]] - results["process_mb"][sizes[0]]
        print(
            f"peak heap, {sizes[-1]:,} reps − {sizes[0]:,} reps: {growth:+.1f} MB; "
            f"the one-tick process: {process:+.0f} MB (goal ≤ +50 MB)"
        )
    if calls:
        print(f"Web API calls tried during the steady ticks (there should be none): {sorted(set(calls))}")
    return results


if __name__ == "__main__":
    main()
