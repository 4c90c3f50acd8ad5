"""The dates every grammar shares: close dates, activity days, dated imports, and when a date is ambiguous."""

import re
from datetime import UTC, date, datetime, timedelta

from bot.parsing import ParseError, echo, normalize, unreadable
from bot.rules.entries import MAX_DAYS_BACK
from bot.rules.periods import WEEKDAYS

MAX_YEARS_AHEAD = 5
_FRIDAY = 4

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WEEKDAYS = {name[:size]: number for number, name in enumerate(WEEKDAYS) for size in (3, len(name))}
_WEEKDAYS |= {"tues": 1, "thur": 3, "thurs": 3}
_MONTHS = {name[:size]: number for number, name in enumerate(_MONTH_NAMES, 1) for size in (3, len(name))}
_MONTHS["sept"] = 9
_NEARBY_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_ORDINAL = "(?:st|nd|rd|th)?"
_MONTH_DAY_RE = re.compile(
    rf"(?:(?P<month>[a-z]+) (?P<day>\d{{1,2}}){_ORDINAL}"
    rf"|(?P<day_first>\d{{1,2}}){_ORDINAL} (?P<month_last>[a-z]+)),?(?: (?P<year>\d{{4}}))?",
    re.ASCII,
)
_IN_RE = re.compile(r"in (\d{1,3}|an?) (day|week|month)s?", re.ASCII)
_NUMERIC_RE = re.compile(r"(\d{1,4})([/.])(\d{1,2})\2(\d{4}|\d{1,2})", re.ASCII)
DATE_ORDERS = ("mdy", "dmy")  # how 03/04/2026 is read when the writer says so; unsaid, it is refused
_TIME_RE = re.compile(
    r"(?P<day>.+?)(?:[ t,]+(?P<hour>\d{1,2}):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?:\.\d+)?)?"
    r" ?(?P<half>am|pm)?)?(?: ?(?:z|utc|gmt|[+]00:?00))?",
    re.ASCII,
)


class AmbiguousDate(ParseError):
    """A date like 03/04/2026 that reads as two different days; never guessed."""


def _month_end(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    """Shift by calendar months, clamping to the last day (Jan 31 + 1 month = Feb 28)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, _month_end(first).day))


def _real_date(year: int, month: int, day: int, shown: str) -> date:
    """Build a date, turning calendar impossibilities like Feb 30 into a friendly error."""
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(
            f"{echo(shown)} isn't a real date. Check the day and month, like 2026-12-15 or dec 15."
        ) from None


def _iso_date(phrase: str) -> date | None:
    found = _ISO_RE.fullmatch(phrase)
    return _real_date(*map(int, found.groups()), phrase) if found else None


def _numeric_date(phrase: str, order: str | None) -> date | None:
    """Read 2026/12/15, 12/15/2026 or 15.12.2026; a day and month that could swap need `order`."""
    found = _NUMERIC_RE.fullmatch(phrase)
    if found is None:
        return None
    first, _, second, last = found.groups()
    if len(first) == 4:
        return _real_date(int(first), int(second), int(last), phrase)
    if len(last) != 4 or len(first) > 2:
        return None
    a, b = int(first), int(second)
    if order is None and a != b and a <= 12 and b <= 12:
        raise AmbiguousDate(
            f"{echo(phrase)} could be {_MONTH_NAMES[a - 1][:3]} {b} or {_MONTH_NAMES[b - 1][:3]} {a}. "
            f"Type it like {int(last)}-{a:02}-{b:02} or {_MONTH_NAMES[a - 1][:3]} {b}."
        )
    month_first = order == "mdy" if order else a <= 12
    return _real_date(int(last), *((a, b) if month_first else (b, a)), phrase)


def _month_day(phrase: str, today: date) -> date | None:
    """Read "dec 15" or "15 dec 2027"; with no year, take the next time that date comes round."""
    found = _MONTH_DAY_RE.fullmatch(phrase)
    if found is None or (month := _MONTHS.get(found["month"] or found["month_last"])) is None:
        return None
    day = int(found["day"] or found["day_first"])
    if found["year"]:
        return _real_date(int(found["year"]), month, day, phrase)
    this_year = _real_date(today.year, month, day, phrase)
    return this_year if this_year >= today else _real_date(today.year + 1, month, day, phrase)


def _relative_date(phrase: str, today: date, quarter_start_month: int) -> date | None:
    """Keywords and offsets: today, fri, next friday, eow/eom/eoq/eoy, next week/month, in 3 days."""
    if offset := _IN_RE.fullmatch(phrase):
        count = 1 if offset[1].startswith("a") else int(offset[1])
        if offset[2] == "month":
            return _add_months(today, count)
        return today + timedelta(days=count * (7 if offset[2] == "week" else 1))
    match phrase.split():
        case [word] if word in _NEARBY_DAYS:
            return today + timedelta(days=_NEARBY_DAYS[word])
        case [word] | ["next", word] if word in _WEEKDAYS:
            return today + timedelta(days=(_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1)
        case ["eow"] | ["end", "of", "week"]:
            return today + timedelta(days=(_FRIDAY - today.weekday()) % 7)
        case ["eom"] | ["end", "of", "month"]:
            return _month_end(today)
        case ["eoq"] | ["end", "of", "quarter"]:
            return _month_end(_add_months(today, 2 - (today.month - quarter_start_month) % 3))
        case ["eoy"] | ["end", "of", "year"]:
            return date(today.year, 12, 31)
        case ["next", "week"]:
            return today + timedelta(days=7 - today.weekday())
        case ["next", "month"]:
            return _add_months(today.replace(day=1), 1)
    return None


def parse_close_date(text: str, today: date, quarter_start_month: int = 1) -> date:
    """Read when a deal should close: today or later, at most five years out.

    A weekday, with or without "next", is the first such day strictly after today ("fri" on a
    Friday means a week later). "eow" is this Friday (today if it is Friday), "next week" is next
    Monday, and quarters start in `quarter_start_month` (1-12), so "eoq" follows the fiscal year.
    """
    if not 1 <= quarter_start_month <= 12:
        raise ValueError(f"quarter_start_month must be 1-12, not {quarter_start_month}")
    phrase = normalize(text)
    found = _relative_date(phrase, today, quarter_start_month) or _any_date(phrase, today, None)
    if found is None:
        examples = f"friday, dec 15, {_month_end(today).isoformat()}, eom, eoq or in 2 weeks"
        raise unreadable(text, "a close date", examples)
    if found < today:
        raise ParseError("That close date is already in the past. Pick today or later, like friday, eom or eoq.")
    latest = _add_months(today, 12 * MAX_YEARS_AHEAD)
    if found > latest:
        raise ParseError(f"That close date is over {MAX_YEARS_AHEAD} years away. Pick {latest.isoformat()} or sooner.")
    return found


def picked_date(text: str | None, today: date) -> date | None:
    """A day picked in a form's calendar: today or later (None when none was picked)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ParseError("Pick a date from the calendar.") from None
    if day < today:
        raise ParseError("That date has passed; pick today or a day ahead.")
    return day


def _any_date(phrase: str, today: date, order: str | None) -> date | None:
    return _iso_date(phrase) or _numeric_date(phrase, order) or _month_day(phrase, today)


def parse_date(text: str, today: date, order: str | None = None) -> date:
    """Read a calendar date as files and other tools write it, past or future: 2026-12-15, 12/15/2026,
    15.12.2026, dec 15 2026. `order` ("mdy" or "dmy") reads day-and-month pairs that could swap."""
    found = _any_date(normalize(text), today, order)
    if found is None:
        raise unreadable(text, "a date", "2026-12-15, 12/15/2026 or dec 15 2026")
    return found


def parse_moment(text: str, today: date, order: str | None = None) -> datetime:
    """Read a date with an optional time of day, in UTC: 2026-11-23 15:00:00, 11/23/2026 3:00 PM, 2026-11-23T15:00Z."""
    found = _TIME_RE.fullmatch(normalize(text))
    if found is None:
        raise unreadable(text, "a time", "2026-11-23 15:00:00 or 11/23/2026 3:00 pm")
    day = parse_date(found["day"], today, order)
    hour, half = int(found["hour"] or 0), found["half"]
    if half and not 1 <= hour <= 12 or hour > 23:
        raise unreadable(text, "a time", "2026-11-23 15:00:00 or 11/23/2026 3:00 pm")
    hour = hour % 12 + (12 if half == "pm" else 0) if half else hour
    minute, second = int(found["minute"] or 0), int(found["second"] or 0)
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def looks_like_day(token: str) -> bool:
    """Spot the day word in a quick entry; "tomorrow" counts so it gets a clear error later."""
    word = token.lower()
    return word in _NEARBY_DAYS or word in _WEEKDAYS or _ISO_RE.fullmatch(word) is not None


def parse_activity_day(text: str, today: date) -> date:
    """Read when an activity happened: never in the future, at most MAX_DAYS_BACK days ago.

    A weekday means the most recent one, today included ("mon" on a Monday is today).
    """
    phrase = normalize(text)
    if phrase in _NEARBY_DAYS:
        day = today + timedelta(days=_NEARBY_DAYS[phrase])
    elif phrase in _WEEKDAYS:
        day = today - timedelta(days=(today.weekday() - _WEEKDAYS[phrase]) % 7)
    else:
        day = _iso_date(phrase)
    if day is None:
        examples = f"today, yesterday, a weekday like tue, or a date like {today.isoformat()}"
        raise unreadable(text, "a day", examples)
    if day > today:
        raise ParseError("That day hasn't happened yet. Log activity for today or earlier, like yesterday or mon.")
    earliest = today - timedelta(days=MAX_DAYS_BACK)
    if day < earliest:
        raise ParseError(f"That's more than {MAX_DAYS_BACK} days ago. Pick {earliest.isoformat()} or later.")
    return day
