"""Years of a sales team's history, as the nudge benchmark seeds it: what a workspace that has used the
product for `years` holds, so that a tick's reads meet the history they would meet in production.

Per rep: a deal a month, each with an amount, a close date (pushed later zero to two times, every push
kept) and its stage history (into the first stage when opened, a stage further every 45 days, won or lost
90 days after opening for the deals opened more than six months ago); a quota each quarter; `per_day`
entries of selling time each working day (on the deals open then, a quarter prospecting); and the coach's
messages, sent: a weekly reflection, and a nudge every four weeks to every tenth rep.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import create_engine, insert, select, text, update

from bot.questions import BY_ID
from storage import reps
from storage.db import Database
from storage.models import (
    Activity,
    CloseDateChange,
    Opportunity,
    Quota,
    Rep,
    ScheduledMessage,
    StageChange,
    Workspace,
)

OPEN_STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")  # the default ones
STAGE_EVERY_DAYS = 45
CLOSED_AFTER_DAYS = 90
STILL_OPEN_DAYS = 180
CONCENTRATED_EVERY = 10  # every tenth rep spent the week on one deal


def seed(
    db: Database, team: str, now: datetime, count: int, years: int, per_day: int, weeks: int | None = None
) -> None:
    """`count` reps in New York with zones fresh from today's bulk read and `years` of history (selling
    time over its last `weeks` weeks only, if given); every tenth rep also spent four hours a day of the
    last eight on their newest deal."""
    today = now.date()
    people = [f"U{n:06d}" for n in range(count)]
    for first in range(0, count, 5000):
        reps.ensure_reps(db, team, people[first : first + 5000], now)
    days = 365 * years
    logged_days = [today - timedelta(days=back) for back in range(1, 7 * weeks if weeks else days)]
    working = [day for day in logged_days if day.weekday() < 5]
    with db.engine.begin() as connection:
        connection.execute(update(Rep).values(tz="America/New_York", tz_checked_at=now - timedelta(hours=1)))
        refreshed = {"zones_refreshed_at": now - timedelta(hours=2), "zones_due_at": now + timedelta(hours=22)}
        connection.execute(update(Workspace).values(**refreshed))
        for first in range(0, count, 2000):
            connection.execute(insert(Opportunity), list(_deals(team, now, people[first : first + 2000], first, days)))
        deals = connection.execute(
            select(Opportunity.id, Opportunity.created_at, Opportunity.status, Opportunity.expected_close)
            .where(Opportunity.team_id == team)
            .order_by(Opportunity.id)
        ).all()
        _insert(connection, StageChange, (row for deal in deals for row in _stage_history(team, now, deal)))
        _insert(connection, CloseDateChange, (row for deal in deals for row in _close_date_pushes(team, deal)))
        _insert(connection, Quota, _quotas(team, now, people, days))
        _insert(connection, ScheduledMessage, _sent_messages(team, now, people, 7 * weeks if weeks else days))
        per_rep = len(deals) // count
        ids = [deal.id for deal in deals]
        _insert(
            connection,
            Activity,
            (
                row
                for index, user in enumerate(people)
                for row in _selling_time(
                    team, now, user, ids[index * per_rep : (index + 1) * per_rep], index, working, per_day
                )
            ),
        )
    at_rest(db)


def at_rest(db: Database) -> None:
    """A database at rest, as autovacuum and SQLite's checkpoints leave it: statistics, the visibility map
    that lets PostgreSQL answer from an index alone, and SQLite's write-ahead log folded in."""
    engine = create_engine(db.engine.url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def _insert(connection, model, rows, batch: int = 20000) -> None:
    pending = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            connection.execute(insert(model), pending)
            pending = []
    if pending:
        connection.execute(insert(model), pending)


def _opened(now: datetime, days: int, month: int) -> datetime:
    return now - timedelta(days=days - month)


def _deals(team: str, now: datetime, people: list[str], first: int, days: int):
    for index, user in enumerate(people, start=first):
        for number, month in enumerate(range(0, days, 30)):
            at = _opened(now, days, month)
            age = (now - at).days
            name = f"Deal {index}-{month}"
            closed = age > STILL_OPEN_DAYS
            won = number % 2 == 1
            stage = OPEN_STAGES[min(age // STAGE_EVERY_DAYS, len(OPEN_STAGES) - 1)]
            yield {
                "team_id": team,
                "owner_id": user,
                "name": name,
                "name_key": name.lower(),
                "amount": 10_000 + (index * 7919 + month * 31) % 90_000,
                "expected_close": (at + timedelta(days=CLOSED_AFTER_DAYS + 30 * _pushes(index, number))).date(),
                "stage": ("Won" if won else "Lost") if closed else stage,
                "status": ("won" if won else "lost") if closed else "open",
                "closed_at": at + timedelta(days=CLOSED_AFTER_DAYS) if closed else None,
                "created_at": at,
                "last_change_at": at + timedelta(days=CLOSED_AFTER_DAYS) if closed else at,
            }


def _pushes(index: int, number: int) -> int:
    """How many times a deal's close date was pushed later: 0, 1 or 2, varying across reps and deals."""
    return (index + number) % 3


def _stage_history(team: str, now: datetime, deal) -> list[dict]:
    """Into the first stage when opened, a stage further every STAGE_EVERY_DAYS days; a closed deal won or
    lost CLOSED_AFTER_DAYS after opening."""
    end = deal.created_at + timedelta(days=CLOSED_AFTER_DAYS) if deal.status != "open" else None
    moves, previous = [], None
    for step, stage in enumerate(OPEN_STAGES):
        at = deal.created_at + timedelta(days=STAGE_EVERY_DAYS * step)
        if at >= (end or now) and step:
            break
        moves.append((previous, stage, at))
        previous = stage
    if end is not None:
        moves.append((previous, "Won" if deal.status == "won" else "Lost", end))
    return [
        {
            "team_id": team,
            "opportunity_id": deal.id,
            "from_stage": before,
            "to_stage": after,
            "changed_by": "U0",
            "changed_at": at,
        }
        for before, after, at in moves
    ]


def _close_date_pushes(team: str, deal) -> list[dict]:
    """The close date set when the deal was opened, then each push 30 days later, a month apart."""
    first = (deal.created_at + timedelta(days=CLOSED_AFTER_DAYS)).date()
    pushes = (deal.expected_close - first).days // 30
    rows = [
        {"team_id": team, "opportunity_id": deal.id, "from_date": None, "to_date": first, "changed_at": deal.created_at}
    ]
    for push in range(pushes):
        rows.append(
            {
                "team_id": team,
                "opportunity_id": deal.id,
                "from_date": first + timedelta(days=30 * push),
                "to_date": first + timedelta(days=30 * (push + 1)),
                "changed_at": deal.created_at + timedelta(days=30 * (push + 1)),
            }
        )
    return rows


def _quotas(team: str, now: datetime, people: list[str], days: int):
    quarters = sorted({date(day.year, 3 * ((day.month - 1) // 3) + 1, 1) for day in _every_month(now, days)})
    for user in people:
        for start in quarters:
            yield {"team_id": team, "user_id": user, "period_start": start, "amount": 300_000, "set_at": now}


PAYLOAD = '{"text": "' + "x" * 600 + '"}'  # about a rendered message's size
QUESTION_IDS = sorted(BY_ID)


def _sent_messages(team: str, now: datetime, people: list[str], days: int):
    """A reflection a week to every rep, and a nudge every four weeks to every tenth, over `days` (none today)."""
    for weeks_ago in range(1, days // 7 + 1):
        at = now - timedelta(weeks=weeks_ago)
        for index, user in enumerate(people):
            year, week, _ = at.date().isocalendar()
            kinds = [("reflection", f"{year}-W{week:02d}")]
            if index % CONCENTRATED_EVERY == 0 and weeks_ago % 4 == 0:
                kinds.append(("nudge", at.date().isoformat()))
            for kind, key in kinds:
                yield {
                    "team_id": team,
                    "recipient_id": user,
                    "kind": kind,
                    "period_key": key,
                    "status": "sent",
                    "attempts": 1,
                    "claimed_at": at,
                    "claimed_by": "bench",
                    "sent_at": at,
                    "question_id": QUESTION_IDS[(index + weeks_ago) % len(QUESTION_IDS)],
                    "payload": PAYLOAD,
                    "due_at": at,
                    "send_started_at": at,
                }


def _every_month(now: datetime, days: int):
    return [(now - timedelta(days=back)).date() for back in range(0, days + 1, 28)]


def _selling_time(
    team: str, now: datetime, user: str, deals: list[int], index: int, working: list[date], per_day: int
) -> list[dict]:
    """`per_day` entries each working day: on one of the rep's deals open at the time, or prospecting."""
    today = now.date()
    entries = []
    for number, day in enumerate(working):
        open_then = max(0, min(len(deals) - 1, len(deals) - 1 - (today - day).days // 30))
        for entry in range(per_day):
            deal = None if (number + entry) % 4 == 0 else deals[max(0, open_then - entry % 3)]
            entries.append((day, deal, 30))
    if index % CONCENTRATED_EVERY == 0:
        entries += [(today - timedelta(days=day), deals[-1], 240) for day in range(1, 9)]
    return [
        {
            "team_id": team,
            "user_id": user,
            "kind": "deal" if deal else "calls",
            "opportunity_id": deal,
            "touches": 0,
            "minutes": minutes,
            "occurred_on": day,
            "created_at": now,
        }
        for day, deal, minutes in entries
    ]
