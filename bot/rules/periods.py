"""Calendar rules shared by every feature: weekdays, weeks (Monday to Sunday), quota periods, and the
instants a team's local day starts at. One home, so "this week" means the same thing everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_short(number: int) -> str:
    """'Mon' for 0 … 'Sun' for 6."""
    return WEEKDAYS[number][:3].title()


def weekday_key(number: int) -> str:
    """'mon' for 0 … 'sun' for 6: how working days are stored."""
    return WEEKDAYS[number][:3]


def zone_or_utc(tz_name: str | None) -> ZoneInfo | type[UTC]:
    """The IANA zone, or UTC for a missing or unknown one (one bad profile must not stop coaching)."""
    try:
        return ZoneInfo(tz_name) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def local_now(now_utc: datetime, tz_name: str | None) -> datetime:
    """now in the given IANA zone (DST-correct); a missing or unknown zone falls back to UTC."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return now_utc.astimezone(zone_or_utc(tz_name))


def local_midnight(day: date, tz_name: str) -> datetime:
    """Midnight starting a local day, as an aware instant (DST-correct)."""
    return datetime.combine(day, time(), tzinfo=zone_or_utc(tz_name))


def week_start(day: date, first: int = 0) -> date:
    """The first day of day's week: Monday (0) unless a workspace starts its weeks on another day."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def first_weekday(key: str) -> int:
    """0 for 'mon' … 6 for 'sun' (WEEK_START_DAY)."""
    return [weekday_key(number) for number in range(7)].index(key)


def week_start_at(now_utc: datetime, tz_name: str, first: int = 0) -> datetime:
    """00:00 on the first day of the current week in a zone, as a UTC instant: where "this week" begins."""
    return local_midnight(week_start(local_now(now_utc, tz_name).date(), first), tz_name).astimezone(UTC)


def _first_of_month(year: int, month: int) -> date:
    """The first day of a month counted from January of year; month may run outside 1..12."""
    years, month_index = divmod(month - 1, 12)
    return date(year + years, month_index + 1, 1)


def period_bounds(today: date, period: str, quarter_start_month: int = 1) -> tuple[date, date]:
    """First and last day of the "month" or "quarter" containing today.

    Quarters start at quarter_start_month so teams with a fiscal year (e.g. April) get their own
    quarters; a quarter may span two calendar years.
    """
    length = {"month": 1, "quarter": 3}.get(period)
    if length is None:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    if not 1 <= quarter_start_month <= 12:
        raise ValueError(f"quarter_start_month must be 1..12, not {quarter_start_month}")
    first_month = today.month - (today.month - quarter_start_month) % length
    start = _first_of_month(today.year, first_month)
    return start, _first_of_month(today.year, first_month + length) - timedelta(days=1)


def trailing_days(today: date, days: int) -> tuple[date, date]:
    """A rolling window of `days` days ending today (today included)."""
    return today - timedelta(days=days - 1), today
