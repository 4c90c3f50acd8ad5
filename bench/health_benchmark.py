"""How fast is the health report at scale? Seeds a big workspace, then times our queries against hand-written SQL.

    python bench/health_benchmark.py                                  # SQLite, in a temporary file
    python bench/health_benchmark.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

It DROPS and recreates the bot's tables in the database it is given: never point it at real data.
Defaults: one workspace with 10,000 reps, 1,000,000 activity rows over a year, 200,000 opportunities.
For each of
  1. one rep's health data (storage.health.health_data, what /opportunity health reads), and
  2. every rep's selling time in one pass (storage.concentration.selling_time_by_rep, the concentration
     figures the nudge job reads),
it checks that our function and a single hand-written SQL query return the same numbers, then reports the
median time of each over --repeat runs and the ratio ours ÷ hand-written. It also times one rep's whole
report (bot.services.health.build_health: the data plus the figures).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient  # noqa: E402
from sqlalchemy import Date, bindparam, insert, text  # noqa: E402

from bot.parsing.values import PROSPECTING_KINDS  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.services.health import build_health, health_window  # noqa: E402
from bot.services.outlook import rep_outlook, team_creation  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from storage import concentration, records  # noqa: E402
from storage import health as health_store  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Activity, Base, Opportunity, Quota  # noqa: E402
from storage.types import UtcDateTime  # noqa: E402

TEAM = "TBENCH"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday afternoon, fixed so runs are comparable
CHUNK = 20_000
STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")


# --- seeding -------------------------------------------------------------------------------------


def rep_id(number: int) -> str:
    return f"U{number:07d}"


def reset_schema(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def _chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _opportunities(count: int, reps: int, rng: random.Random) -> Iterator[dict]:
    for number in range(1, count + 1):
        created = NOW - timedelta(days=rng.uniform(0, 365))
        last_change = created + (NOW - created) * rng.random() ** 2
        roll = rng.random()
        status = "open" if roll < 0.6 else "won" if roll < 0.85 else "lost"
        name = f"Account {number} {rng.choice(('renewal', 'expansion', 'pilot', 'new logo'))}"
        yield {
            "id": number,
            "team_id": TEAM,
            "owner_id": rep_id((number - 1) % reps),
            "name": name,
            "name_key": name.casefold(),
            "account": None,
            "amount": int(rng.lognormvariate(10, 1.0)) if rng.random() < 0.9 else None,
            "stage": {"open": rng.choice(STAGES), "won": "Won", "lost": "Lost"}[status],
            "status": status,
            "expected_close": (NOW + timedelta(days=rng.randint(-30, 180))).date() if rng.random() < 0.8 else None,
            "next_step": None,
            "lost_reason": None,
            "created_at": created,
            "last_change_at": last_change,
            "closed_at": last_change if status != "open" else None,
        }


def _activities(count: int, reps: int, opportunities: int, rng: random.Random) -> Iterator[dict]:
    per_rep = max(opportunities // reps, 1)
    for _ in range(count):
        rep = rng.randrange(reps)
        day = (NOW - timedelta(days=rng.randint(0, 364))).date()
        if rng.random() < 0.6 and rep < opportunities:
            # One of this rep's own opportunities: ids rep+1, rep+1+reps, ... (see _opportunities).
            opportunity = rep + 1 + reps * rng.randrange(per_rep)
            kind, touches, minutes = "deal", 0, rng.choice((15, 30, 45, 60, 90, 120, 180))
        else:
            opportunity, kind = None, rng.choice(PROSPECTING_KINDS)
            touches, minutes = rng.randint(0, 40), rng.choice((0, 15, 30, 60, 90, 120))
        yield {
            "team_id": TEAM,
            "user_id": rep_id(rep),
            "kind": kind,
            "opportunity_id": opportunity if opportunity and opportunity <= opportunities else None,
            "touches": touches,
            "minutes": minutes,
            "occurred_on": day,
            "note": None,
            "created_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=17),
        }


def seed(db: Database, reps: int, activities: int, opportunities: int, quota_start: date, rng: random.Random) -> None:
    with db.engine.begin() as connection:
        for batch in _chunks(_opportunities(opportunities, reps, rng)):
            connection.execute(insert(Opportunity), batch)
        for batch in _chunks(_activities(activities, reps, opportunities, rng)):
            connection.execute(insert(Activity), batch)
        quotas = (
            {"team_id": TEAM, "user_id": rep_id(rep), "period_start": quota_start, "amount": 250_000, "set_at": NOW}
            for rep in range(reps)
        )
        for batch in _chunks(quotas):
            connection.execute(insert(Quota), batch)
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


# --- the hand-written queries --------------------------------------------------------------------

NULLS = "CAST(NULL AS BIGINT)"


def handwritten_health_sql(weeks: int) -> str:
    """One rep's report as one query, written by hand, returning the same tagged rows as health_statement."""
    buckets = " ".join(f"WHEN created_at >= :w{number} THEN {number}" for number in range(weeks))
    return f"""
WITH my_opps AS (
    SELECT id, name, amount, status, expected_close, created_at, closed_at, last_change_at, paused_at
    FROM opportunities WHERE team_id = :team AND owner_id = :rep
), my_acts AS (
    SELECT opportunity_id, kind, touches, minutes, occurred_on
    FROM activities
    WHERE team_id = :team AND user_id = :rep AND occurred_on >= :oldest_day AND occurred_on <= :today
)
SELECT 'open' AS part, {NULLS} AS key, CAST(NULL AS VARCHAR(120)) AS label,
       COUNT(*) AS a, COALESCE(SUM(amount), 0) AS b, COALESCE(MAX(amount), 0) AS c,
       COALESCE(SUM(CASE WHEN expected_close <= :period_end THEN amount ELSE 0 END), 0) AS d,
       CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS at
  FROM my_opps WHERE status = 'open'
UNION ALL
SELECT 'closed', NULL, NULL,
       SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END),
       COALESCE(SUM(CASE WHEN status = 'won' AND closed_at >= :period_start_at AND closed_at < :period_end_at
                         THEN amount ELSE 0 END), 0),
       NULL, NULL
  FROM my_opps WHERE status IN ('won', 'lost') AND closed_at >= :closed_since
UNION ALL
SELECT 'quota', NULL, NULL, amount, NULL, NULL, NULL, NULL
  FROM quotas WHERE team_id = :team AND user_id = :rep AND period_start = :period_start
UNION ALL
SELECT 'week', bucket, NULL, COUNT(*), NULL, NULL, NULL, NULL
  FROM (SELECT CASE {buckets} END AS bucket FROM my_opps WHERE created_at >= :w{weeks - 1}) AS opened
 GROUP BY bucket
UNION ALL
SELECT 'kind', NULL, kind, SUM(touches), SUM(minutes), NULL, NULL, NULL
  FROM my_acts WHERE opportunity_id IS NULL AND occurred_on >= :week_first_day
 GROUP BY kind
UNION ALL
SELECT 'time', t.opportunity_id, MAX(o.name), SUM(t.minutes), NULL, NULL, NULL, NULL
  FROM my_acts AS t LEFT JOIN my_opps AS o ON o.id = t.opportunity_id
 WHERE t.occurred_on >= :time_since
 GROUP BY t.opportunity_id HAVING SUM(t.minutes) > 0
UNION ALL
SELECT 'stalled', id, name, amount, total, NULL, NULL, last_change_at
  FROM (SELECT o.id, o.name, o.amount, o.last_change_at, COUNT(*) OVER () AS total
          FROM my_opps AS o
         WHERE o.status = 'open' AND o.last_change_at <= :stalled_before AND o.paused_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM activities AS w
                            WHERE w.team_id = :team AND w.opportunity_id = o.id
                              AND w.occurred_on >= :stalled_quiet_since)
         ORDER BY o.last_change_at, o.id
         LIMIT {health_store.STALLED_LISTED}) AS stalled
"""


INSTANTS = ("period_start_at", "period_end_at", "stalled_before", "closed_since")
DAYS = ("today", "period_end", "period_start", "week_first_day", "time_since", "stalled_quiet_since")


@lru_cache(maxsize=4)
def handwritten_health_statement(weeks: int):
    """Prepared once, like our statement: the SQL text with typed parameters (UTC instants, dates)."""
    instants = [*INSTANTS, *(f"w{number}" for number in range(weeks))]
    return (
        text(handwritten_health_sql(weeks))
        .bindparams(*(bindparam(name, type_=UtcDateTime()) for name in instants))
        .bindparams(*(bindparam(name, type_=Date()) for name in (*DAYS, "oldest_day")))
        .columns(at=UtcDateTime())
    )


def handwritten_health(db: Database, rep: str, window: records.HealthWindow):
    weeks = len(window.week_starts)
    params = {name: getattr(window, name) for name in (*INSTANTS, *DAYS)}
    params |= {f"w{number}": start for number, start in enumerate(window.week_starts)}
    params |= {"team": TEAM, "rep": rep, "oldest_day": min(window.week_first_day, window.time_since)}
    with db.engine.connect() as connection:
        rows = connection.execute(handwritten_health_statement(weeks), params).all()
    return health_store.health_from_rows(rows, weeks)


SELLING_TIME_SQL = """
WITH per_deal AS (
    SELECT user_id, opportunity_id, SUM(minutes) AS minutes
      FROM activities
     WHERE team_id = :team AND occurred_on >= :since AND occurred_on <= :until
     GROUP BY user_id, opportunity_id
), totals AS (
    SELECT user_id, SUM(minutes) AS total,
           SUM(CASE WHEN opportunity_id IS NULL THEN minutes ELSE 0 END) AS prospecting
      FROM per_deal GROUP BY user_id HAVING SUM(minutes) > 0
), tops AS (
    SELECT user_id, opportunity_id, minutes,
           ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY minutes DESC, opportunity_id) AS place
      FROM per_deal WHERE opportunity_id IS NOT NULL
)
SELECT t.user_id, t.total, t.prospecting, tops.opportunity_id, o.name, COALESCE(tops.minutes, 0)
  FROM totals AS t
  LEFT JOIN tops ON tops.user_id = t.user_id AND tops.place = 1
  LEFT JOIN opportunities AS o ON o.id = tops.opportunity_id AND o.team_id = :team
 ORDER BY t.user_id
"""


SELLING_TIME = text(SELLING_TIME_SQL).bindparams(bindparam("since", type_=Date()), bindparam("until", type_=Date()))


def handwritten_selling_time(db: Database, since: date, until: date) -> list[records.RepSellingTime]:
    with db.engine.connect() as connection:
        return [
            records.RepSellingTime(row[0], int(row[1]), int(row[2]), row[3], row[4], int(row[5]))
            for row in connection.execute(SELLING_TIME, {"team": TEAM, "since": since, "until": until})
        ]


# --- timing --------------------------------------------------------------------------------------


def median_ms(work: Callable[[], object], repeat: int) -> float:
    work()  # warm caches (statement compilation, pages) before timing
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=25, help="timed runs of each query (median reported)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rep", type=int, default=42, help="which rep's report to time")
    args = parser.parse_args(argv)

    scratch = None
    url = args.database_url
    if not url:
        scratch = tempfile.TemporaryDirectory(prefix="coach-bench-")
        url = f"sqlite:///{Path(scratch.name) / 'bench.db'}"
    db = Database(url)
    settings = load_settings(
        slack_bot_token="xoxb-bench", slack_signing_secret="bench", database_url=url, _env_file=None
    )
    # No Slack call is made (no manager group to read), but the services key their manager lookup by token.
    offline = WebClient(token="xoxb-bench", base_url="http://127.0.0.1:9/")
    services = Services(settings=settings, db=db, client=offline, clock=lambda: NOW)
    window = health_window(services)
    rep = rep_id(args.rep % args.reps)
    since, until = window.time_since, window.today

    print(f"Database: {db.dialect} ({db.url.split('@')[-1]})")
    print(f"Seeding {args.reps:,} reps, {args.opportunities:,} opportunities, {args.activities:,} activities…")
    started = time.perf_counter()
    reset_schema(db)
    seed(db, args.reps, args.activities, args.opportunities, window.period_start, random.Random(args.seed))
    print(f"Seeded and analysed in {time.perf_counter() - started:.1f} s.\n")

    ours_health = health_store.health_data(db, TEAM, rep, window)
    theirs_health = handwritten_health(db, rep, window)
    assert ours_health == theirs_health, f"health data differs:\n{ours_health}\n{theirs_health}"
    ours_reps = concentration.selling_time_by_rep(db, TEAM, since, until)
    theirs_reps = handwritten_selling_time(db, since, until)
    assert ours_reps == theirs_reps, "selling time differs"
    print(
        f"Same numbers: rep {rep} has {ours_health.open_count} open deals, "
        f"{len(ours_health.time_by_deal)} time slices; {len(ours_reps):,} reps logged time in the window.\n"
    )

    results = {
        "health_ours": median_ms(lambda: health_store.health_data(db, TEAM, rep, window), args.repeat),
        "health_hand": median_ms(lambda: handwritten_health(db, rep, window), args.repeat),
        "report": median_ms(lambda: build_health(services, TEAM, rep), args.repeat),
        "reps_ours": median_ms(lambda: concentration.selling_time_by_rep(db, TEAM, since, until), args.repeat),
        "reps_hand": median_ms(lambda: handwritten_selling_time(db, since, until), args.repeat),
        "outlook": median_ms(lambda: rep_outlook(services, TEAM, rep, build_health(services, TEAM, rep)), args.repeat),
        "creation": median_ms(lambda: team_creation(services, TEAM, window.today), args.repeat),
    }
    health_ratio = results["health_ours"] / results["health_hand"]
    reps_ratio = results["reps_ours"] / results["reps_hand"]
    print(f"{'median of ' + str(args.repeat) + ' runs':<44}{'ours':>10}{'hand SQL':>10}{'ratio':>8}")
    print(
        f"{'one rep: health data (1 query)':<44}{results['health_ours']:>8.2f}ms"
        f"{results['health_hand']:>8.2f}ms{health_ratio:>7.2f}×"
    )
    print(
        f"{'all reps: selling time, one pass':<44}{results['reps_ours']:>8.1f}ms"
        f"{results['reps_hand']:>8.1f}ms{reps_ratio:>7.2f}×"
    )
    print(f"{'one rep: whole report (data + figures)':<44}{results['report']:>8.2f}ms")
    print(f"{'one rep: report + outlook (number, pace)':<44}{results['outlook']:>8.2f}ms")
    print(f"{'the team: leaders digest figures':<44}{results['creation']:>8.1f}ms")
    results |= {"health_ratio": health_ratio, "reps_ratio": reps_ratio}
    db.dispose()
    if scratch:
        scratch.cleanup()
    return results


if __name__ == "__main__":
    main()
