"""The sandbox's clock: the services' idea of now, which the page moves forward, and where each of the
page's jumps lands for a person (bot/sandbox/news.py runs the jobs there and says what they brought).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services import Services, coach

JUMPS = {
    "morning": "the next working morning",
    "day": "+1 day",
    "monday": "next Monday 09:00",
    "reflection": "the next reflection",
}


class SandboxClock:
    """A clock that stands still until told to move (so a visitor's day does not drift)."""

    def __init__(self, now: datetime) -> None:
        self.current = now.astimezone(UTC)
        self.lock = threading.Lock()  # one move (and its job run) at a time: bot/sandbox/news.py

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment.astimezone(UTC)


def target(services: Services, team_id: str, user_id: str, tz: str, jump: str) -> datetime:
    """Where a jump lands, for this person: in their own time zone, with their working hours."""
    now = services.now()
    local = now.astimezone(ZoneInfo(tz))
    profile = coach.profile_for(services, team_id, user_id, tz)
    if jump == "day":
        return now + timedelta(days=1)
    if jump == "monday":
        days_ahead = (7 - local.weekday()) % 7 or 7
        monday = (local + timedelta(days=days_ahead)).date()
        return datetime.combine(monday, datetime.min.time().replace(hour=9), tzinfo=local.tzinfo).astimezone(UTC)
    if jump == "reflection":
        slot_time, weekday = profile.reflection_time, profile.reflection_weekday
        for step in range(8):
            day = (local + timedelta(days=step)).date()
            slot = datetime.combine(day, slot_time, tzinfo=local.tzinfo)
            if day.weekday() == weekday and slot > local:
                return slot.astimezone(UTC)
        raise ValueError("no reflection slot this week")
    if jump == "morning":
        hours = profile.hours
        day = local.date()
        if not (day.weekday() in hours.days and local.time() < hours.start):
            day = next(d for d in (day + timedelta(days=n) for n in range(1, 8)) if d.weekday() in hours.days)
        return datetime.combine(day, hours.start, tzinfo=local.tzinfo).astimezone(UTC)
    raise ValueError(f"unknown jump {jump!r}; one of {', '.join(JUMPS)}")
