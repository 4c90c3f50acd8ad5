"""The coach's grammar: working hours, working days, weekly slots, snooze lengths, `/opportunity coach …`,
and the coach's forms. Mistakes raise ParseError or FieldErrors with what to type instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

from bot.parsing import FieldErrors, ParseError
from bot.rules.holidays import CALENDAR_EXAMPLE, read_calendar
from bot.rules.periods import WEEKDAYS, weekday_key
from bot.rules.timing import CoachDefaults, WorkingHours
from bot.text import clip, escape

_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap]m)?", re.IGNORECASE)
_SNOOZE = re.compile(r"(\d+)\s*(w|wks?|weeks?|d|days?)", re.IGNORECASE)
_MAX_SNOOZE_DAYS = 12 * 7


def _parse_clock(text: str) -> time | None:
    """A time of day from "15:00", "9", "8:30" or "3pm"; None when it isn't one."""
    match = _CLOCK.fullmatch(text.strip())
    if not match:
        return None
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_hours(text: str) -> tuple[time, time]:
    """Working hours as a rep types them: "08:00-16:00", "8-16", "8:30–17:00" (hyphen or dash).

    Hours must end after they start on the same day; overnight shifts are not supported.
    """
    parts = re.split(r"\s*[-–—]\s*", text.strip())
    start, end = (_parse_clock(parts[0]), _parse_clock(parts[1])) if len(parts) == 2 else (None, None)
    if start is None or end is None:
        raise ValueError(f"I couldn't read “{text}” as working hours. Try something like 9-17 or 8:30-16:30.")
    if end <= start:
        raise ValueError(f"Working hours must end after they start on the same day, e.g. 9-17, not “{text}”.")
    return start, end


def parse_snooze(text: str) -> timedelta:
    """A snooze length such as "3d", "10 days", "1w" or "2 weeks", from 1 day up to 12 weeks."""
    match = _SNOOZE.fullmatch(text.strip())
    days = int(match[1]) * (7 if match[2][0].lower() == "w" else 1) if match else 0
    if not 1 <= days <= _MAX_SNOOZE_DAYS:
        raise ValueError(f"I couldn't snooze for “{text}”. Try 3d, 10 days or 2w (up to 12 weeks).")
    return timedelta(days=days)


def parse_weekly_slot(text: str) -> tuple[int, time]:
    """A weekly slot such as "fri 15:00", "friday 3pm" or "mon at 9:30" as (weekday Monday=0, local time).

    Days may be abbreviated to three letters or more.
    """
    day_word, _, clock = text.strip().lower().partition(" ")
    weekday = next(
        (number for number, name in enumerate(WEEKDAYS) if len(day_word) >= 3 and name.startswith(day_word)),
        None,
    )
    at = _parse_clock(clock.strip().removeprefix("at "))
    if weekday is None or at is None:
        raise ValueError(f"I couldn't read “{text}” as a weekly time. Try a day and a time, like fri 15:00.")
    return weekday, at


def _weekday(word: str) -> int | None:
    word = word.strip().lower()
    if len(word) < 3:
        return None
    return next((number for number, name in enumerate(WEEKDAYS) if name.startswith(word)), None)


def parse_work_days(text: str) -> frozenset[int]:
    """Working days as typed: "mon-fri", "sun-thu" (a range may wrap the week), "mon,wed,fri" or a mix.

    Days may be abbreviated to three letters or more; the result is weekday numbers, Monday=0.
    """
    days: set[int] = set()
    for part in re.split(r"[,\s]+", re.sub(r"\s*[-–—]\s*", "-", text.strip())):
        if not part:
            continue
        ends = part.split("-")
        numbers = [_weekday(end) for end in ends]
        if len(ends) > 2 or None in numbers:
            raise ValueError(f"I couldn't read “{text}” as working days. Try mon-fri or mon,tue,thu.")
        first, last = numbers[0], numbers[-1]
        days.update((first + step) % 7 for step in range((last - first) % 7 + 1))  # type: ignore[operator]
    if not days:
        raise ValueError("Name at least one working day, like mon-fri.")
    return frozenset(days)


@lru_cache(maxsize=64)
def _defaults(
    work_hours: str, work_days: str, reflection_slot: str, team_timezone: str, holidays: str | None
) -> CoachDefaults:
    start, end = parse_hours(work_hours)
    weekday, at = parse_weekly_slot(reflection_slot)
    return CoachDefaults(WorkingHours(start, end, parse_work_days(work_days), holidays), weekday, at, team_timezone)


def coach_defaults(settings) -> CoachDefaults:
    """The team's defaults from WORK_HOURS, WORK_DAYS, REFLECTION_SLOT, TEAM_TIMEZONE and HOLIDAY_CALENDAR
    (validated at start-up)."""
    return _defaults(
        settings.work_hours,
        settings.work_days,
        settings.reflection_slot,
        settings.team_timezone,
        settings.holiday_calendar,
    )


# --- `/opportunity coach …` -------------------------------------------------------------------------

COACH_USAGE = (
    "Try `/opportunity coach` to see your settings, or `/opportunity coach off`, `on`, `snooze 2w`, "
    "`hours 08:00-16:00`, `days mon-thu`, `reflections fri 15:00`, `holidays GB`."
)


@dataclass(frozen=True)
class CoachChange:
    """What `/opportunity coach …` asks for: rep-setting values, or a snooze length; `said` names the change
    for the confirmation (bot/messages/coaching.py: CONFIRMATIONS). Nothing to change means "show"."""

    values: dict
    said: str | None = None
    snooze: timedelta | None = None


def _friendly(error: ValueError) -> ParseError:
    """The parsers echo what was typed; make it inert before it is shown in Slack."""
    return ParseError(escape(clip(str(error), 300)))


def parse_coach(rest: str) -> CoachChange:
    """Read `/opportunity coach [on|off|snooze 2w|hours 8-16|days mon-thu|reflections fri 15:00|holidays GB]`."""
    verb, _, argument = rest.strip().partition(" ")
    verb, argument = verb.lower(), argument.strip()
    default = argument.lower() in ("default", "reset")
    try:
        if verb == "":
            return CoachChange({})
        if verb == "on" and not argument:
            values = {"coaching_enabled": True, "snoozed_until": None}
            return CoachChange(values | {"undeliverable_reason": None, "undeliverable_at": None}, "on")
        if verb == "off" and not argument:
            return CoachChange({"coaching_enabled": False}, "off")
        if verb == "snooze":
            if argument.lower() in ("off", "end", "stop"):
                return CoachChange({"snoozed_until": None}, "snooze_off")
            return CoachChange({}, "snoozed", snooze=parse_snooze(argument or "1w"))
        if verb == "hours":
            if default:
                return CoachChange({"work_start": None, "work_end": None}, "hours_default")
            start, end = parse_hours(argument)
            return CoachChange({"work_start": f"{start:%H:%M}", "work_end": f"{end:%H:%M}"}, "hours")
        if verb == "days":
            if default:
                return CoachChange({"work_days": None}, "days_default")
            days = parse_work_days(argument)
            return CoachChange({"work_days": ",".join(weekday_key(day) for day in sorted(days))}, "days")
        if verb in ("holidays", "holiday"):
            if not argument:
                raise ValueError(f"Name your public holidays: type {CALENDAR_EXAMPLE}, or default.")
            calendar = None if default else read_calendar(argument)
            if calendar is None:
                return CoachChange({"holiday_calendar": None}, "holidays_default")
            return CoachChange({"holiday_calendar": calendar}, "holidays")
        if verb in ("reflections", "reflection"):
            if default:
                return CoachChange({"reflection_weekday": None, "reflection_time": None}, "reflections_default")
            weekday, at = parse_weekly_slot(argument)
            return CoachChange({"reflection_weekday": weekday, "reflection_time": f"{at:%H:%M}"}, "reflections")
    except ValueError as problem:
        raise _friendly(problem) from None
    raise ParseError(f"I didn't follow `coach {escape(clip(rest, 40))}`. {COACH_USAGE}")


# --- the coach's forms --------------------------------------------------------------------------------

MAX_ANSWER = 2000
BLOCK_LENGTHS = (30, 45, 60, 90, 120, 180)
PLAN_AHEAD = timedelta(days=60)


def parse_answer(typed: str | None) -> str:
    """A reflection or a reason to focus: printable text, newlines kept, at most MAX_ANSWER characters."""
    text = re.sub(r"\r\n?", "\n", typed or "")
    text = "".join(char for char in text if char.isprintable() or char in "\n\t").strip()
    if not text:
        raise ParseError("A few words is plenty, but I need something here.")
    if len(text) > MAX_ANSWER:
        raise ParseError(f"That's a little long: {MAX_ANSWER} characters at most.")
    return text


def parse_answer_form(values: dict[str, str | None], today: date) -> str:
    """A form whose one field (block "answer") is a few honest lines; the problem shown beside it."""
    try:
        return parse_answer(values.get("answer"))
    except ParseError as mistake:
        raise FieldErrors({"answer": str(mistake)}) from mistake


def parse_plan_form(values: dict[str, str | None], today: date) -> tuple[date, int]:
    """The "plan a prospecting block" form: a day from yesterday up to two months ahead, and a length."""
    errors = {}
    try:
        day: date | None = date.fromisoformat(values.get("day") or "")
    except ValueError:
        day = None
        errors["day"] = "Pick a day for the block."
    if day is not None and not today - timedelta(days=1) <= day <= today + PLAN_AHEAD:
        errors["day"] = "Pick a day from today up to two months ahead."
    minutes = values.get("minutes") or ""
    if not minutes.isdigit() or int(minutes) not in BLOCK_LENGTHS:
        errors["minutes"] = "Pick how long the block is."
    if errors:
        raise FieldErrors(errors)
    return day, int(minutes)  # type: ignore[return-value]


def parse_day(value: object, fallback: date) -> date:
    """A day carried on a button or in a form's metadata (Slack echoes it back); the fallback if unreadable."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return fallback
