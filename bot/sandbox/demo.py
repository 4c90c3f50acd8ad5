"""`--demo`: a believable fortnight for the sandbox's team, played through the functions the commands use.

The clock walks through the past 13 days and the team works: Maya pours most of her time into one dream
deal, Priya balances deals and prospecting, Jonas prospects hard and opens a deal every other day, and
Dana manages. Openings and wins are celebrated in the channel as they happen, last Monday's digest is
posted and Friday's reflections are sent, all by the bot's own code at those instants. Everything lands
in the sandbox's own database file.

All seeding lives in this module, so it can follow the domain functions wherever they move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.jobs import JOBS
from bot.sandbox.clock import SandboxClock
from bot.sandbox.people import JONAS, MAYA, PEOPLE, PRIYA, TEAM_ID
from bot.services import Services, celebrations, pipeline, selling_time
from storage.records import NewActivity, NewOpportunity

DAYS = 13
QUOTAS = {MAYA.id: 300_000, PRIYA.id: 250_000, JONAS.id: 200_000}


@dataclass(frozen=True)
class Deal:
    owner: str
    name: str
    account: str | None
    amount: int
    opened_days_ago: int
    stage: int = 0  # index into the open stages
    close_in_days: int = 45


DEALS = (
    Deal(MAYA.id, "Globex enterprise rollout", "Globex", 420_000, 13, stage=1, close_in_days=40),
    Deal(MAYA.id, "Initech renewal", "Initech", 18_000, 13, stage=2, close_in_days=20),
    Deal(PRIYA.id, "Hooli pilot", "Hooli", 24_000, 12, stage=2, close_in_days=10),
    Deal(PRIYA.id, "Umbrella renewal", "Umbrella Corp", 60_000, 12, stage=1),
    Deal(PRIYA.id, "Stark analytics", "Stark Industries", 35_000, 9, stage=0),
    Deal(PRIYA.id, "Wayne logistics", "Wayne Enterprises", 80_000, 5, stage=1, close_in_days=60),
    Deal(PRIYA.id, "Vandelay imports", None, 15_000, 2),
    Deal(JONAS.id, "Soylent trial", "Soylent", 12_000, 12),
    Deal(JONAS.id, "Cyberdyne seats", "Cyberdyne", 20_000, 10, stage=1),
    Deal(JONAS.id, "Tyrell expansion", "Tyrell", 30_000, 7),
    Deal(JONAS.id, "Massive Dynamic", "Massive Dynamic", 45_000, 4),
    Deal(JONAS.id, "Pied Piper", "Pied Piper", 9_000, 1),
)
# (days ago, owner, deal name, stage index, or "won")
MOVES = (
    (11, MAYA.id, "Globex enterprise rollout", 2),
    (4, MAYA.id, "Globex enterprise rollout", 3),
    (8, PRIYA.id, "Umbrella renewal", 2),
    (3, PRIYA.id, "Hooli pilot", "won"),
    (6, JONAS.id, "Soylent trial", 1),
)
MAYA_NOTES = ("security review", "exec deck", "pricing rework", "legal redlines", "champion call", "demo prep")


def seed(services: Services, clock: SandboxClock) -> None:
    start = clock.current
    zone = ZoneInfo(services.settings.team_timezone)
    today = start.astimezone(zone).date()
    opened: dict[tuple[str, str], int] = {}
    try:
        for days_ago in range(DAYS, 0, -1):
            day = today - timedelta(days=days_ago)
            _at(clock, day, time(8), zone)
            if day.weekday() < 5:  # what fell on the weekend happens on Monday
                weekend = days_ago + (day.weekday() == 0) * 2
                for deal in (d for d in DEALS if days_ago <= d.opened_days_ago <= weekend):
                    opened[(deal.owner, deal.name)] = _open(services, deal, day)
                for moved_ago, owner, name, stage in MOVES:
                    if days_ago <= moved_ago <= weekend and (owner, name) in opened:
                        _move(services, owner, opened[(owner, name)], stage)
            _morning_jobs(services, clock, day, zone)
            _friday_reflections(services, clock, day)
            if day.weekday() < 5:
                _at(clock, day, time(16, 30), zone)
                _work_day(services, day, days_ago, opened)
        clock.set(start)
        for owner, amount in QUOTAS.items():
            selling_time.quota(services, TEAM_ID, owner, amount)
    finally:
        clock.set(start)
    for person in PEOPLE:
        services.changed(TEAM_ID, person.id)


def _at(clock: SandboxClock, day: date, at: time, zone: ZoneInfo) -> None:
    clock.set(datetime.combine(day, at, tzinfo=zone).astimezone(UTC))


def _open(services: Services, deal: Deal, day: date) -> int:
    stages = services.settings.open_stages
    new = NewOpportunity(
        name=deal.name,
        stage=stages[min(deal.stage, len(stages) - 1)],
        account=deal.account,
        amount=deal.amount,
        expected_close=day + timedelta(days=deal.close_in_days),
    )
    opened = pipeline.open_opportunity(services, TEAM_ID, deal.owner, new)
    celebrations.post_waiting(services, TEAM_ID, services.now())  # the news goes out on its own day
    return opened.opportunity.id


def _move(services: Services, owner: str, opportunity_id: int, stage: int | str) -> None:
    stages = services.settings.open_stages
    target = pipeline.WON if stage == "won" else stages[min(int(stage), len(stages) - 1)]
    pipeline.move(services, TEAM_ID, owner, opportunity_id, target)
    celebrations.post_waiting(services, TEAM_ID, services.now())


def _log(services: Services, owner: str, day: date, kind: str, minutes: int, **extra) -> None:
    entry = NewActivity(kind=kind, occurred_on=day, minutes=minutes, **extra)
    selling_time.log_entry(services, TEAM_ID, owner, entry)


def _work_day(services: Services, day: date, days_ago: int, opened: dict[tuple[str, str], int]) -> None:
    deal = lambda owner, name: opened.get((owner, name))  # noqa: E731 - a local lookup
    # Maya: the dream deal takes the day; a little prospecting now and then.
    globex = deal(MAYA.id, "Globex enterprise rollout")
    if globex:
        note = MAYA_NOTES[days_ago % len(MAYA_NOTES)]
        _log(services, MAYA.id, day, "deal", 240 + 30 * (days_ago % 3), opportunity_id=globex, note=note)
    if days_ago in (12, 5) and deal(MAYA.id, "Initech renewal"):
        _log(services, MAYA.id, day, "deal", 30, opportunity_id=deal(MAYA.id, "Initech renewal"))
    if days_ago in (9, 2):
        _log(services, MAYA.id, day, "calls", 20, touches=6)
    # Priya: an hour on one of her deals, an hour of prospecting, every day.
    hers = [opened[key] for key in opened if key[0] == PRIYA.id]
    if hers:
        _log(services, PRIYA.id, day, "deal", 60, opportunity_id=hers[days_ago % len(hers)], note="next steps")
    _log(services, PRIYA.id, day, "calls" if days_ago % 2 else "emails", 60, touches=12)
    # Jonas: prospecting first, and a little work on the deals it opens.
    _log(services, JONAS.id, day, "calls", 120, touches=30, note="outbound block")
    _log(services, JONAS.id, day, "emails" if days_ago % 2 else "social", 45, touches=15)
    his = [opened[key] for key in opened if key[0] == JONAS.id]
    if his and days_ago % 3 == 0:
        _log(services, JONAS.id, day, "deal", 30, opportunity_id=his[-1], note="discovery call")


def _morning_jobs(services: Services, clock: SandboxClock, day: date, zone: ZoneInfo) -> None:
    """Last Monday's digest, posted at DIGEST_SLOT by the digest job itself."""
    if day.weekday() == 0:
        _at(clock, day, time(9, 1), zone)
        JOBS["digest"].run(services, clock.current)


def _friday_reflections(services: Services, clock: SandboxClock, day: date) -> None:
    """Each rep's Friday reflection, sent by the reflections job at the rep's own 15:00."""
    if day.weekday() != 4:
        return
    slots = sorted(datetime.combine(day, time(15, 1), tzinfo=ZoneInfo(p.tz)) for p in (MAYA, PRIYA, JONAS))
    for slot in slots:
        clock.set(slot)
        JOBS["reflections"].run(services, clock.current)
