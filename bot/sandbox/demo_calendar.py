"""`--demo`: Maya's calendar, so a newcomer sees time that logs itself. A fortnight of her meetings is
written as an ICS feed, served by the sandbox itself under an address with a secret made for this run,
and connected exactly as a rep connects theirs (`/opportunity calendar connect`): most meetings land on
her Globex deal by their titles, one on Initech, a standup counts as no selling time, and an intro with
a company none of her deals names stays unplaced, so the one-tap question comes on the next working
morning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.people import MAYA, TEAM_ID
from bot.services import Services
from bot.services import calendar as calendar_service

MAYA_EMAIL = "maya@acme-sales.example"  # the feed's name, as Google names a main calendar: her domain
# (days before the start, local hour, minutes, title, the outside attendee or None)
MEETINGS = (
    (12, 10, 90, "Globex rollout workshop", "lena@globex.example"),
    (11, 14, 60, "Globex security review", "it@globex.example"),
    (9, 11, 90, "Globex exec alignment", "cfo@globex.example"),
    (8, 15, 45, "Initech renewal check-in", "sam@initech.example"),
    (6, 10, 120, "Globex pricing workshop", "lena@globex.example"),
    (5, 9, 30, "Team standup", None),
    (4, 13, 60, "Globex legal call", "legal@globex.example"),
    (2, 11, 45, "Intro", "jo@vehement.example"),  # no deal of hers names Vehement: a question for her
)


def connect_maya(services: Services, serve: Callable[[bytes], str]) -> None:
    """Serve Maya's feed (`serve(body)` returns its address) and connect it as she would."""
    calendar_service.connect(services, TEAM_ID, MAYA.id, serve(feed(services.now())))


def feed(now: datetime) -> bytes:
    zone = ZoneInfo(MAYA.tz)
    today = now.astimezone(zone).date()
    events = []
    for number, (days_ago, hour, minutes, title, guest) in enumerate(MEETINGS):
        day = today - timedelta(days=days_ago)
        day -= timedelta(days=max(day.weekday() - 4, 0))  # a weekend's meeting was on the Friday
        start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
        people = [f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{MAYA_EMAIL}"]
        if guest:
            people.append(f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{guest}")
        events += [
            "BEGIN:VEVENT",
            f"UID:demo-{number}@pipeline-coach.sandbox",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(start + timedelta(minutes=minutes))}",
            f"SUMMARY:{title}",
            f"ORGANIZER:mailto:{MAYA_EMAIL}",
            *people,
            "END:VEVENT",
        ]
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Pipeline Coach sandbox//EN", f"X-WR-CALNAME:{MAYA_EMAIL}"]
    return ("\r\n".join([*head, *events, "END:VCALENDAR"]) + "\r\n").encode()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
