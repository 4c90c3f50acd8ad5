"""The nudge tick's own SQL against years of history: does it follow its window, and is its memory flat?

Seeds --reps reps with --per-year activity rows each per year of history (deal time on a handful of
deals, some prospecting) and a deal a month, for 1 and then --years years, and times what one nudge tick
asks the database (the workspaces, every rep who uses the bot, everyone's selling time over the window,
when each rep last opened a deal, who has a nudge outstanding, recent questions), median of --repeat.
Peak memory is the Python heap's peak during one tick (tracemalloc). It drops and recreates the bot's
tables in the database you give it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.rules.nudges import concentrated_reps  # noqa: E402
from bot.rules.nudges import thresholds as nudge_thresholds  # noqa: E402
from storage import concentration, outbox, reps  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Activity, Base, Opportunity  # noqa: E402

TEAM = "T1"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
WINDOW = 14


class Thresholds:  # the defaults of bot/settings.py, without reading the environment
    nudge_window_days, nudge_min_hours, nudge_top_share, nudge_no_new_days = WINDOW, 6, 0.60, 10
    nudge_min_prospecting_share = 0.20


def reset(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, count: int, years: int, per_year: int) -> None:
    people = [f"U{n:06d}" for n in range(count)]
    reps.ensure_reps(db, TEAM, people, NOW)
    days = 365 * years
    with db.engine.begin() as connection:
        deals = []
        for index, user in enumerate(people):
            for month in range(0, days, 30):
                at = NOW - timedelta(days=days - month)
                deals.append(
                    {
                        "team_id": TEAM,
                        "owner_id": user,
                        "name": f"Deal {index}-{month}",
                        "name_key": f"deal {index}-{month}",
                        "stage": "Discovery",
                        "status": "open",
                        "created_at": at,
                        "last_change_at": at,
                    }
                )
        connection.execute(insert(Opportunity), deals)
        ids = [row[0] for row in connection.execute(text("SELECT id FROM opportunities ORDER BY id"))]
        per_rep = len(ids) // count
        rows, step = [], max(1, days // (per_year * years) or 1)
        for index, user in enumerate(people):
            mine = ids[index * per_rep : (index + 1) * per_rep]
            for number in range(per_year * years):
                day: date = TODAY - timedelta(days=(number * step) % days)
                deal = mine[-1 - (number % 3)] if number % 4 else None
                rows.append(
                    {
                        "team_id": TEAM,
                        "user_id": user,
                        "kind": "deal" if deal else "calls",
                        "opportunity_id": deal,
                        "touches": 0,
                        "minutes": 45,
                        "occurred_on": day,
                        "created_at": NOW,
                    }
                )
                if len(rows) >= 20000:
                    connection.execute(insert(Activity), rows)
                    rows = []
        if rows:
            connection.execute(insert(Activity), rows)
        if db.dialect == "postgresql":
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))


def one_tick(db: Database) -> int:
    since = NOW - timedelta(days=WINDOW + 1)
    reps.enroll_recent(db, since.date(), since, NOW)
    flagged = 0
    for team_id in reps.teams(db):
        reps.reps_of_team(db, team_id)
        times = concentration.selling_time_by_rep(db, team_id, TODAY - timedelta(days=WINDOW - 1), TODAY)
        opened = concentration.last_opened_by_rep(db, team_id)
        found = concentrated_reps(times, opened, NOW, nudge_thresholds(Thresholds))
        outbox.outstanding_recipients(db, team_id, "nudge")
        outbox.recent_question_ids(db, team_id, NOW - timedelta(weeks=8))
        flagged += len(found)
    return flagged


def measure(db: Database, repeat: int) -> tuple[float, float, int]:
    one_tick(db)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        flagged = one_tick(db)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    one_tick(db)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(timings), peak, flagged


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--per-year", type=int, default=100, help="activity rows per rep per year (100)")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.database_url or f"sqlite:///{Path(folder) / 'scan.db'}")
        for years in (1, args.years):
            reset(db)
            seed(db, args.reps, years, args.per_year)
            seconds, peak, flagged = measure(db, args.repeat)
            results[years] = (seconds, peak)
            print(
                f"[{db.dialect}] {args.reps:,} reps, {years} year(s) of history "
                f"({args.reps * args.per_year * years:,} activity rows): one tick's SQL {seconds * 1000:.0f} ms, "
                f"peak heap {peak:.1f} MB, {flagged} reps concentrated"
            )
        db.dispose()
    ratio = results[args.years][0] / results[1][0]
    print(f"{args.years} years ÷ 1 year: {ratio:.2f}×")
    return results


if __name__ == "__main__":
    main()
