"""The nudge tick against years of history and thousands of reps: does it follow its window, and is its
memory flat?

Runs the real nudge job (bot.jobs.nudges.run) for one tick on a working morning (Monday 10:00 in New
York): every rep's zone is cached, a tenth of the reps are concentrated on one deal, and those nudges are
rendered and sent through the local Slack of bench/slack_limits.py (Slack's limits on its side; its
minute shortened by --speedup, the bot's limits raised to match, so the posts' pace is not what is timed).
Before each tick the previous tick's nudges are forgotten (outbox and cooldowns), so every tick sends.
Seeds --reps reps with 1 and then --years years of history (bench/pipeline_history.py: a deal a month
with its amount, close-date pushes and stage history, a quota a quarter, and --per-day entries of selling
time a working day, spread over the rep's deals and prospecting); times the tick (median of --repeat)
and the time its SQL statements took. Then, for each of --memory-reps, with --memory-per-day entries a
working day over the last --memory-weeks weeks: the Python heap's peak during one sending tick
(tracemalloc), and the peak memory of a fresh process that runs one sending tick and nothing else.
It drops and recreates the bot's tables in the database you give it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, text, update  # noqa: E402

from bench import pipeline_history  # noqa: E402
from bench.slack_limits import LimitedSlack  # noqa: E402
from bot.app import create_services  # noqa: E402
from bot.jobs import nudges  # noqa: E402
from bot.ratelimit import PER_MINUTE  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Rep, ScheduledMessage  # noqa: E402

TEAM = "T1"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York: a working morning, nudges go out


def reset(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, count: int, years: int, per_day: int, weeks: int | None = None) -> None:
    pipeline_history.seed(db, TEAM, NOW, count, years, per_day, weeks)


def bot_services(url: str, slack_url: str, speedup: float):
    """The bot's services on this database, the clock stopped at NOW, its Slack the local one (limits × speedup)."""
    limits = ",".join(f"{method}={round(limit * speedup)}" for method, limit in PER_MINUTE.items())
    settings = Settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_app_token="",
        database_url=url,
        slack_api_url=slack_url,
        slack_rate_limits=limits,
    )
    return create_services(settings, clock=lambda: NOW)


class SqlTimer:
    """The time the database spent answering the tick's statements (cursor execute to its return)."""

    def __init__(self, db: Database) -> None:
        self.seconds, self.longest, self.slowest, self._started = 0.0, 0.0, "", threading.local()
        self.counting = False  # only while a tick runs
        event.listen(db.engine, "before_cursor_execute", self._before)
        event.listen(db.engine, "after_cursor_execute", self._after)

    def close(self, db: Database) -> None:
        event.remove(db.engine, "before_cursor_execute", self._before)
        event.remove(db.engine, "after_cursor_execute", self._after)

    def _before(self, *args) -> None:
        self._started.at = time.perf_counter()

    def _after(self, *args) -> None:  # (connection, cursor, statement, …)
        if not self.counting:
            return
        took = time.perf_counter() - getattr(self._started, "at", time.perf_counter())
        self.seconds += took
        if took > self.longest:
            self.longest, self.slowest = took, " ".join(str(args[2]).split())[:160]


def forget_sent(db: Database) -> None:
    """As before the tick: none of today's nudges claimed or sent, no cooldown running (the history's
    messages stay)."""
    today = ScheduledMessage.period_key == NOW.date().isoformat()
    with db.engine.begin() as connection:
        connection.execute(delete(ScheduledMessage).where(ScheduledMessage.kind == nudges.KIND, today))
        connection.execute(update(Rep).values(last_nudged_at=None))


def one_tick(services, timer: SqlTimer | None = None) -> tuple[int, int, float]:
    """One sending tick after forgetting the last one's nudges: reps scanned, nudges sent, and the tick's
    own seconds (the forgetting, the benchmark's own statement over every rep, is neither timed nor counted)."""
    forget_sent(services.db)
    if timer is not None:
        timer.counting = True
    started = time.perf_counter()
    try:
        report = nudges.run(services, NOW)
    finally:
        if timer is not None:
            timer.counting = False
    return report.reps, report.sent, time.perf_counter() - started


def measure(services, repeat: int) -> tuple[float, float, int, int, float]:
    """Median wall and SQL seconds of a sending tick, reps scanned, nudges sent, the longest statement."""
    one_tick(services)  # warm: statement caches, the settings prefetch
    timer = SqlTimer(services.db)
    walls, sqls = [], []
    for _ in range(repeat):
        timer.seconds = 0.0
        reached, sent, seconds = one_tick(services, timer)
        walls.append(seconds)
        sqls.append(timer.seconds)
    timer.close(services.db)
    if os.environ.get("BENCH_SHOW_SLOWEST"):
        print(f"    slowest statement: {timer.slowest}")
    return statistics.median(walls), statistics.median(sqls), reached, sent, timer.longest


def tick_process_peak(url: str, slack_url: str, speedup: float) -> float:
    """Peak memory in MB of a new process that imports the bot, runs one nudge tick on `url`, and exits
    (its own high-water mark: a forked child's max RSS would count the parent's memory too)."""
    command = [sys.executable, __file__, "--one-tick", url, "--slack-url", slack_url, "--speedup", str(speedup)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
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


def peak_heap(services, timer: SqlTimer) -> float:
    one_tick(services, timer)
    tracemalloc.start()
    one_tick(services, timer)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=3, help="entries a rep logs a working day (3)")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-reps", default="1000,50000", help="rep counts for the memory runs (1000,50000)")
    parser.add_argument("--memory-per-day", type=int, default=3, help="entries a working day, memory runs (3)")
    parser.add_argument("--memory-weeks", type=int, default=4, help="weeks of them, memory runs (4)")
    parser.add_argument("--database-url")
    parser.add_argument("--speedup", type=float, default=100, help="Slack's minute lasts 60/this seconds (100)")
    parser.add_argument("--latency", type=float, default=0.01, help="seconds Slack takes to answer (0.01)")
    parser.add_argument("--one-tick", metavar="URL", help=argparse.SUPPRESS)  # the child of tick_process_peak
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_tick:
        one_tick(bot_services(args.one_tick, args.slack_url, args.speedup))
        print(f"{own_peak_mb():.1f}")
        return {}
    results: dict = {"seconds": {}, "sql": {}, "peak_mb": {}, "process_mb": {}, "limited": {}}
    slack = LimitedSlack([f"U{n:06d}" for n in range(max(args.reps, 1))], args.latency, args.speedup)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'scan.db'}"
        services = bot_services(url, slack.base_url, args.speedup)
        db = services.db
        for years in (1, args.years):
            reset(db)
            seed(db, args.reps, years, args.per_day)
            rows = _count(db, "activities")
            slack.reset()
            seconds, sql, reached, sent, longest = measure(services, args.repeat)
            results["seconds"][years], results["sql"][years] = seconds, sql
            results["limited"][years] = dict(slack.limited)
            print(
                f"[{db.dialect}] {args.reps:,} reps, {years} year(s) of history ({rows:,} activity rows): one "
                f"nudge tick {seconds * 1000:.0f} ms, its SQL {sql * 1000:.0f} ms ({reached:,} reps scanned, "
                f"{sent:,} nudges rendered and sent; longest statement {longest * 1000:.0f} ms; Slack answered 429: "
                f"{dict(slack.limited) or 'none'})"
            )
        for count in [int(part) for part in args.memory_reps.split(",") if part.strip()]:
            reset(db)
            seed(db, count, 1, args.memory_per_day, args.memory_weeks)
            timer = SqlTimer(db)  # over both ticks: the first reads the team's usual stays afresh
            results["peak_mb"][count] = peak_heap(services, timer)
            timer.close(db)
            results["process_mb"][count] = tick_process_peak(url, slack.base_url, args.speedup)
            print(
                f"[{db.dialect}] {count:,} reps: peak Python heap of one sending tick {results['peak_mb'][count]:.1f} "
                f"MB; a process running one sending tick peaks at {results['process_mb'][count]:.0f} MB; "
                f"longest statement {timer.longest * 1000:.0f} ms"
            )
            if os.environ.get("BENCH_SHOW_SLOWEST"):
                print(f"    slowest statement: {timer.slowest}")
        db.dispose()
    slack.stop()
    wall = results["seconds"][args.years] / results["seconds"][1]
    sql = results["sql"][args.years] / results["sql"][1]
    print(f"{args.years} years ÷ 1 year: wall {wall:.2f}×, SQL {sql:.2f}× (goal ≤ 1.3×)")
    sizes = sorted(results["peak_mb"])
    if len(sizes) > 1:
        growth = results["peak_mb"][sizes[-1]] - results["peak_mb"][sizes[0]]
        process = results["process_mb"][sizes[-1]] - results["process_mb"][sizes[0]]
        print(
            f"peak heap, {sizes[-1]:,} reps − {sizes[0]:,} reps: {growth:+.1f} MB; "
            f"the one-tick process: {process:+.0f} MB (goal ≤ +50 MB, +25 MB hoped)"
        )
    return results


def _count(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


if __name__ == "__main__":
    main()
