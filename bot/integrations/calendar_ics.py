"""A calendar feed's ICS body read into CapturedMeeting records: only the events in the read window,
recurring series expanded, the rep's own declines left out. Reading the address is calendar_feed.py's."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.integrations.activities import CapturedMeeting
from bot.integrations.calendar_feed import SOURCE, FeedError

COUNTED_ANSWERS = frozenset({"ACCEPTED", "TENTATIVE", ""})  # the rep's own PARTSTAT; "" when not listed


@dataclass(frozen=True)
class ParsedFeed:
    meetings: list[CapturedMeeting]
    calendar_name: str | None  # X-WR-CALNAME: Google names a person's main calendar after their email
    events: int  # every instance in the window, counted or not


def parse(
    body: bytes, *, feed: str, since: datetime, until: datetime, zone: str, own_emails: frozenset[str]
) -> ParsedFeed:
    """Every real, accepted, busy meeting starting in [since, until): recurring series expanded with their
    moved (RECURRENCE-ID) and removed instances, floating times read in the rep's `zone`. Cancelled, free
    (TRANSP:TRANSPARENT), all-day and declined-by-the-rep events are left out. FeedError if it is not ICS."""
    try:
        calendar = icalendar.Calendar.from_ical(in_window(body, since, until))
        instances = list(recurring_ical_events.of(calendar).between(since, until))
    except Exception:  # noqa: BLE001 - any parser failure is one plain reason, never the feed's text
        raise FeedError("the address did not return a calendar (ICS)") from None
    name = calendar.get("X-WR-CALNAME")
    own = frozenset(email.lower() for email in own_emails) | _email_in(name)
    meetings = list(_meetings(instances, feed, ZoneInfo(zone), own))
    return ParsedFeed(meetings, str(name) if name else None, len(instances))


_FOLD = re.compile(r"\r?\n[ \t]")
_VEVENT = re.compile(r"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n?", re.DOTALL)
_RULE = re.compile(r"^RRULE[;:](.*)$", re.MULTILINE)
_EXTRA_DATES = re.compile(r"^RDATE[;:]", re.MULTILINE)
_START_DAY = re.compile(r"^DTSTART[^:\r\n]*:(\d{8})", re.MULTILINE)
_INSTANCE_DAY = re.compile(r"^RECURRENCE-ID[^:\r\n]*:(\d{8})", re.MULTILINE)
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
MARGIN = timedelta(days=2)  # wider than any zone's offset, so a local date never drops an event in the window


def in_window(body: bytes, since: datetime, until: datetime) -> str:
    """The feed without the events that cannot touch the window, before icalendar reads it: a feed holds
    years of history, and parsing all of it costs far more than the window's few dozen meetings.

    Only what is certain is left out, by dates alone: a one-off (or a moved instance) starting and
    originally due days outside the window, a series starting after it, or one whose UNTIL, or COUNT
    without BY-rules, ends before it. Anything unclear is kept, and icalendar decides."""
    text = _FOLD.sub("", body.decode("utf-8", errors="replace"))
    first, last = (since - MARGIN).strftime("%Y%m%d"), (until + MARGIN).strftime("%Y%m%d")

    def near(day: str | None) -> bool:
        return day is not None and first <= day <= last

    def keep(block: re.Match) -> str:
        event = block.group(0)
        start = _START_DAY.search(event)
        day = start.group(1) if start else None
        rule = _RULE.search(event)
        if day is None or _EXTRA_DATES.search(event):
            return event
        if rule is None:
            instance = _INSTANCE_DAY.search(event)
            return event if near(day) or (instance and near(instance.group(1))) else ""
        return "" if day > last or _series_ended(rule.group(1), day, first) else event

    return _VEVENT.sub(keep, text)


def _series_ended(rule: str, start_day: str, first: str) -> bool:
    parts = dict(part.partition("=")[::2] for part in rule.upper().split(";"))
    if "UNTIL" in parts:
        return parts["UNTIL"][:8] < first
    if "COUNT" not in parts or any(name.startswith("BY") for name in parts) or parts.get("FREQ") not in _PERIOD_DAYS:
        return False
    try:
        span = (int(parts["COUNT"]) - 1) * int(parts.get("INTERVAL") or 1) * _PERIOD_DAYS[parts["FREQ"]]
        end = datetime.strptime(start_day, "%Y%m%d") + timedelta(days=span)
    except (ValueError, OverflowError):
        return False
    return end.strftime("%Y%m%d") < first


def _meetings(instances, feed: str, zone: ZoneInfo, own: frozenset[str]) -> Iterator[CapturedMeeting]:
    for event in instances:
        if str(event.get("STATUS", "")).upper() == "CANCELLED" or str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        start = event.decoded("DTSTART")
        if not isinstance(start, datetime):  # an all-day event: a day off, a reminder, not a meeting
            continue
        end = _end(event, start)
        if end is None or end <= start:
            continue
        people = _people(event)
        answer = next((partstat for email, partstat in people if email in own), "")
        if answer not in COUNTED_ANSWERS:
            continue
        instance = event.decoded("RECURRENCE-ID") if event.get("RECURRENCE-ID") else start
        instance = _utc(instance, zone).isoformat() if isinstance(instance, datetime) else str(instance)
        key = f"{feed}:{event.get('UID', '')}:{instance}"
        yield CapturedMeeting(
            source=SOURCE,
            key=hashlib.sha256(key.encode()).hexdigest()[:40],
            starts_at=_utc(start, zone),
            ends_at=_utc(end, zone),
            title=str(event.get("SUMMARY") or "") or None,
            attendee_emails=tuple(sorted({email for email, _ in people if email and email not in own})),
        )


def _end(event, start: datetime) -> datetime | None:
    if event.get("DTEND"):
        end = event.decoded("DTEND")
        return end if isinstance(end, datetime) else None
    if event.get("DURATION"):
        return start + event.decoded("DURATION")
    return None


def _people(event) -> list[tuple[str, str]]:
    """(email, PARTSTAT) of every attendee and of the organizer (who is there, answer or not)."""
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    people = [(_address(person), str(person.params.get("PARTSTAT", "")).upper()) for person in attendees]
    organizer = event.get("ORGANIZER")
    if organizer is not None:
        people.append((_address(organizer), "ACCEPTED"))
    return [(email, answer) for email, answer in people if email]


def _address(value) -> str:
    text = str(value).strip()
    return text[7:].lower() if text.lower().startswith("mailto:") else ""


def _email_in(name) -> frozenset[str]:
    text = str(name or "").strip().lower()
    return frozenset({text}) if "@" in text and " " not in text else frozenset()


def _utc(moment: datetime | date, zone: ZoneInfo) -> datetime:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:  # a floating time: the rep's own wall clock
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The span one read covers: meetings that started in the last `days` (time already spent; one moved
    out of it, or gone from the feed, is removed; one still ahead is counted once it starts)."""
    return now - timedelta(days=days), now


def own_addresses(parsed: ParsedFeed) -> frozenset[str]:
    """The rep's own address as the feed itself suggests it (Google names a main calendar after it)."""
    return _email_in(parsed.calendar_name)
