"""Calendar feeds at scale: --reps reps, each with a connected feed of --events events, read and
reconciled by the real `calendars` job (bot/jobs/calendar.py) from a local feed server; then a second
pass where every feed is unchanged and costs one conditional request (a 304).

Each feed holds years of history (one-off meetings from two years back to a month ahead, a tenth of them
weekly series with UNTIL or COUNT, moved instances among them), so only a few dozen fall in the window.
Reported, in the same run: each pass's time and peak memory growth (max RSS), the rows captured (checked
against one parse of each feed), and each pass's time as a ratio against the local server's own time
to serve the bytes and against a plain concurrent download of the same feeds (the transport's bound).
It drops and recreates the bot's tables in the database you give it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.app import create_services  # noqa: E402
from bot.integrations import calendar_feed as feeds  # noqa: E402
from bot.integrations import calendar_ics as ics  # noqa: E402
from bot.jobs import calendar as calendar_job  # noqa: E402
from bot.sealed import SecretBox, new_key  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from storage import calendars, reps  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Base, CapturedTime, Opportunity  # noqa: E402
from tests.calendar_server import CalendarServer, calendar, event  # noqa: E402

TEAM = "T1"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
VARIANTS = 10  # distinct feed bodies, shared round-robin by the reps (the server keeps 10, not 1,000)
ME = "rep@us.example"


def feed_body(variant: int, events: int) -> bytes:
    """A rep's calendar: two years of one-offs, a tenth weekly series, a few moved instances."""
    items = []
    first = NOW - timedelta(days=730)
    for n in range(events):
        start = first + timedelta(minutes=(n * 761 * 60 // max(events // 500, 1) + variant * 37) % (760 * 24 * 60))
        start = start.replace(minute=(start.minute // 15) * 15, second=0, microsecond=0)
        company = f"client{(n + variant) % 40}.example"
        people = ((f"ann@{company}", "ACCEPTED"), (ME, "ACCEPTED"))
        extra: tuple[str, ...] = ()
        if n % 10 == 0:
            extra = (
                (f"RRULE:FREQ=WEEKLY;COUNT={10 + n % 40}",)
                if n % 20
                else (f"RRULE:FREQ=WEEKLY;UNTIL={(start + timedelta(days=120)):%Y%m%dT%H%M%SZ}",)
            )
        items.append(
            event(
                f"e{n}-{variant}@bench",
                start,
                30 + (n % 4) * 15,
                f"Deal{(n + variant) % 40} review",
                people,
                extra=extra,
            )
        )
    return calendar(*items, name=ME).encode()


def reset(db: Database) -> None:
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.upgrade()


def seed(db: Database, box: SecretBox, server: CalendarServer, count: int, events: int) -> list[str]:
    people = [f"U{n:06d}" for n in range(count)]
    reps.ensure_reps(db, TEAM, people, NOW)
    bodies = [feed_body(variant, events) for variant in range(VARIANTS)]
    urls = []
    for index, user in enumerate(people):
        url = server.serve(f"feeds/{user}.ics", bodies[index % VARIANTS], etag=f'"{user}-v1"')
        urls.append(url)
        calendars.save_connection(db, TEAM, user, box.seal(url), "127.0.0.1…", feeds.feed_key(url), ME, NOW)
    deals = [
        {"team_id": TEAM, "owner_id": user, "name": f"Deal{n} renewal", "name_key": f"deal{n} renewal",
         "stage": "Discovery", "status": "open", "created_at": NOW, "last_change_at": NOW}
        for user in people for n in range(0, 40, 4)
    ]  # fmt: skip
    with db.engine.begin() as connection:
        connection.execute(insert(Opportunity), deals)
    return urls


def expected_rows(count: int, events: int) -> int:
    since, until = ics.window(NOW, 14)
    per_variant = [
        len(
            ics.parse(
                feed_body(v, events), feed="x", since=since, until=until, zone="UTC", own_emails=frozenset({ME})
            ).meetings
        )
        for v in range(VARIANTS)
    ]
    return sum(per_variant[index % VARIANTS] for index in range(count))


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def download_all(urls: list[str], readers: int, conditional: bool) -> float:
    """The transport's bound: the same feeds fetched at the same concurrency, nothing parsed or stored."""

    def one(url: str) -> None:
        headers = {"If-None-Match": f'"{url.rsplit("/", 1)[1][:-4]}-v1"'} if conditional else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=readers) as pool:
        list(pool.map(one, urls))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary file")
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/calendar_bench.db"
    server = CalendarServer().start()
    db = Database(url)
    try:
        reset(db)
        key = new_key()
        settings = load_settings(
            slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_app_token=None, _env_file=None,
            slack_api_url="http://127.0.0.1:9/api/", database_url=url, encryption_key=key,
            calendar_private_addresses=True, calendar_readers=args.readers, team_timezone="America/New_York",
        )  # fmt: skip
        services = create_services(settings, db=db, clock=lambda: NOW)
        urls = seed(db, SecretBox(key), server, args.reps, args.events)
        wanted = expected_rows(args.reps, args.events)
        raw_full = download_all(urls, args.readers, conditional=False)
        raw_304 = download_all(urls, args.readers, conditional=True)
        server.served.clear()
        server.serve_seconds = 0.0

        result = {"reps": args.reps, "events": args.events, "expected_rows": wanted}
        for name, moment in (("first", NOW), ("unchanged", NOW + timedelta(minutes=settings.calendar_poll_minutes))):
            services.clock = lambda moment=moment: moment
            served_before, serve_before = len(server.served), server.serve_seconds
            rss_before, started = max_rss_mb(), time.perf_counter()
            report = calendar_job.run(services, moment)
            seconds = time.perf_counter() - started
            hits = server.served[served_before:]
            with db.transaction() as session:
                rows = session.scalar(select(func.count()).select_from(CapturedTime))
            result[name] = {
                "seconds": seconds,
                "rss_growth_mb": max_rss_mb() - rss_before,
                "outcomes": dict(report.outcomes),
                "requests": len(hits),
                "not_modified": sum(1 for hit in hits if hit.status == 304),
                "bytes": sum(hit.bytes for hit in hits),
                "server_seconds": server.serve_seconds - serve_before,
                "rows": rows,
            }
        print_result(result, raw_full, raw_304)
        result["raw_seconds"] = {"full": raw_full, "not_modified": raw_304}
        return result
    finally:
        server.stop()
        db.dispose()


def print_result(result: dict, raw_full: float, raw_304: float) -> None:
    print(
        f"{result['reps']} reps, {result['events']} events per feed; {result['expected_rows']} meetings in the window"
    )
    for name, raw in (("first", raw_full), ("unchanged", raw_304)):
        one = result[name]
        print(
            f"{name:>9}: {one['seconds']:.1f} s, peak memory +{one['rss_growth_mb']:.0f} MB, "
            f"{one['requests']} requests ({one['not_modified']} answered 304, {one['bytes'] / 1e6:.1f} MB), "
            f"{one['rows']} rows captured, outcomes {one['outcomes']}"
        )
        print(
            f"           ÷ the server's own time to serve the bytes ({one['server_seconds']:.2f} s): "
            f"{one['seconds'] / max(one['server_seconds'], 1e-9):.1f}×; "
            f"÷ a plain download of the same feeds ({raw:.2f} s): {one['seconds'] / max(raw, 1e-9):.1f}×"
        )


if __name__ == "__main__":
    main()
