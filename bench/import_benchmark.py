"""How does `python -m bot import` scale? Times the real command on generated HubSpot-shaped files.

    python bench/import_benchmark.py                                  # SQLite, in a temporary file
    python bench/import_benchmark.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

It DROPS and recreates the bot's tables in the database it is given: never point it at real data.
For each size (default 10,000 and 50,000 deals, 50 reps) it writes a HubSpot deal export (owners as Slack
ids, amounts like $12,345.50, other columns to ignore), empties the database, then runs the real command
(`python -m bot import opportunities FILE --team TBENCH`, a process of its own, against an embedded Slack
stand-in) and reports, for the quickest of --repeat runs, its wall time, the time from its first progress
line ("Read 10,000 rows") to its end (start-up left out, so sizes compare fairly), and its peak memory
(the process's max RSS) less that of the same command on a 100-row file. It then runs the same file
again (every row must come back unchanged) and, as the physical bound measured in the same run, times a
bare executemany INSERT of the same deals and their first stage rows.

Linear work shows as a ratio of those times near the size ratio (5× for 10k -> 50k; the square would be
25×), flat memory as the same growth at both sizes. (Below 10,000 rows there is no progress line: the
100-row run's time is subtracted instead.)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.sandbox.slack_api import SlackStandIn  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, Opportunity, StageChange  # noqa: E402

TEAM = "TBENCH"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
HEADER = '"Record ID","Deal Name","Deal Stage","Amount","Close Date","Deal owner","Create Date","Pipeline"\n'
STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
BASELINE_ROWS = 100


def rep_id(number: int) -> str:
    return f"U{number:07d}"


def write_file(path: Path, rows: int, reps: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            close = NOW.date() + timedelta(days=rng.randint(-200, 300))
            created = NOW - timedelta(days=rng.randint(1, 400), minutes=rng.randint(0, 1440))
            amount = f"${rng.randint(1, 500_000):,}.{rng.randint(0, 99):02}"
            out.write(
                f'"{9_000_000 + n}","Deal {n} for account {rng.randint(1, rows)}","{rng.choice(STAGES)}","{amount}",'
                f'"{close.isoformat()}","{rep_id(rng.randrange(reps))}","{created:%Y-%m-%d %H:%M}","Sales Pipeline"\n'
            )


def reset_schema(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


class Run(NamedTuple):
    seconds: float  # the whole command, start-up included
    work: float | None  # from its first progress line ("Read 10,000 rows") to its end: no start-up in it
    rss_kib: int
    summary: str


def run_command(path: Path, database_url: str, slack: SlackStandIn) -> Run:
    """The real command in a process of its own, its progress lines (stderr, not a terminal) timed as they come."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "bot", "import", "opportunities", str(path), "--team", TEAM]
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        lines = [(time.perf_counter(), line) for line in process.stderr]
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory, not the largest child's
        ended = time.perf_counter()
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stderr.close()
        out.seek(0)
        stdout = out.read()
    if process.returncode != 0:
        raise SystemExit(f"the import failed ({process.returncode}): {''.join(line for _, line in lines).strip()}")
    work = ended - lines[0][0] if lines else None
    return Run(ended - started, work, usage.ru_maxrss, stdout.strip().splitlines()[0])


def bare_insert(db: Database, rows: int, reps: int) -> float:
    """The floor: the same number of deals and first stage rows, one executemany per 1,000, no reading."""
    reset_schema(db)
    deals = [
        {
            "id": n + 1, "team_id": TEAM, "owner_id": rep_id(n % reps), "name": f"Deal {n}", "name_key": f"deal {n}",
            "account": None, "amount": 1000, "stage": "Discovery", "status": "open", "expected_close": NOW.date(),
            "next_step": None, "lost_reason": None, "created_at": NOW, "last_change_at": NOW, "closed_at": None,
        }
        for n in range(rows)
    ]  # fmt: skip
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        with db.transaction() as session:
            chunk = deals[start : start + 1000]
            session.execute(insert(Opportunity), chunk)
            session.execute(
                insert(StageChange),
                [
                    {"team_id": TEAM, "opportunity_id": deal["id"], "from_stage": None, "to_stage": "Discovery",
                     "changed_by": deal["owner_id"], "changed_at": NOW}
                    for deal in chunk
                ],
            )  # fmt: skip
    return time.perf_counter() - started


def count_deals(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM opportunities")).scalar_one()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated row counts (default 10000,50000)")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each size; the quickest is reported")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    members = [{"id": rep_id(n), "name": f"rep{n}", "profile": {}} for n in range(args.reps)]
    slack = SlackStandIn().start()
    slack.always("users.list", lambda _: {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}})
    print(f"Database: {db.dialect} ({'temporary file' if not args.database_url else db.engine.url.database})")

    baseline = folder / "baseline.csv"
    write_file(baseline, BASELINE_ROWS, args.reps, args.seed)
    reset_schema(db)
    base = min(run_command(baseline, url, slack) for _ in range(3))  # the quickest start-up
    print(f"Baseline: {BASELINE_ROWS} rows in {base.seconds:.2f} s, peak RSS {base.rss_kib / 1024:.0f} MiB")
    results: dict[int, dict] = {}
    for size in sizes:
        path = folder / f"deals-{size}.csv"
        write_file(path, size, args.reps, args.seed)
        runs = []
        for _ in range(args.repeat):  # the quickest of a few runs, each into an empty database
            reset_schema(db)
            runs.append(run_command(path, url, slack))
            assert count_deals(db) == size, f"expected {size} deals, found {count_deals(db)}"
        run = min(runs)
        if run.work is None:  # under 10,000 rows no progress line is printed: the start-up is subtracted instead
            run = run._replace(work=max(run.seconds - base.seconds, 1e-3))
        again = run_command(path, url, slack)
        assert again.summary.startswith(f"Created 0, updated 0, {size} unchanged"), again.summary
        floor = bare_insert(db, size, args.reps)
        results[size] = {
            "seconds": run.seconds, "work": run.work, "again": again.seconds, "floor": floor,
            "growth_mib": (run.rss_kib - base.rss_kib) / 1024, "summary": run.summary,
        }  # fmt: skip
        print(
            f"{size:>7,} rows: {run.seconds:5.1f} s in all, {run.work:5.1f} s after the first 10,000 rows were read "
            f"({run.seconds / size * 1000:.2f} s per 1,000 rows in all); again {again.seconds:.1f} s (all unchanged); "
            f"bare INSERT floor {floor:.1f} s (the work after start-up: {run.work / floor:.1f}× it); "
            f"peak memory +{results[size]['growth_mib']:.1f} MiB over the 100-row run"
        )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        ratio = results[large]["work"] / results[small]["work"]
        print(
            f"{small:,} -> {large:,} rows ({large / small:.0f}× the rows): {ratio:.1f}× the time after the first "
            f"10,000 rows were read (linear: {large / small:.0f}×, square: {(large / small) ** 2:.0f}×); "
            f"memory growth {results[small]['growth_mib']:+.1f} MiB vs {results[large]['growth_mib']:+.1f} MiB"
        )
    slack.stop()
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
