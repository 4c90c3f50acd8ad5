"""Coaching logic: pipeline figures, nudge rules and "never nag" timing.

Plain functions over plain data, so every rule can be tested without Slack or a database.
Nothing here reads the clock: callers pass "now" as a timezone-aware datetime.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import takewhile
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --- Figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSlice:
    """Selling time logged against one opportunity over a window; no opportunity means prospecting."""

    label: str
    minutes: int
    opportunity_id: int | None


def time_shares(slices: Sequence[TimeSlice]) -> list[tuple[TimeSlice, float]]:
    """Each slice with its share of all logged time, largest first (ties by label) so reports read top-down.

    Empty when nothing was logged: there are no shares of zero minutes.
    """
    total = sum(piece.minutes for piece in slices)
    if not total:
        return []
    ordered = sorted(slices, key=lambda piece: (-piece.minutes, piece.label))
    return [(piece, piece.minutes / total) for piece in ordered]


def effective_count(values: Sequence[float]) -> float:
    """How many equal-sized items the values are worth: the inverse Herfindahl index 1 / Σ share².

    Ten deals where one holds 90% of the value are worth about 1.2 deals, not 10. Computed as
    total² / Σ value² (the same quantity) so whole-number inputs give exact results. 0.0 for nothing.
    """
    squares = sum(value * value for value in values)
    return sum(values) ** 2 / squares if squares else 0.0


def top_share(values: Sequence[float]) -> float:
    """The largest value's share of the sum: how much rides on a single item. 0.0 when the sum is 0."""
    total = sum(values)
    return max(values) / total if total else 0.0


def coverage(open_pipeline_in_period: int, quota: int | None, won_in_period: int) -> float | None:
    """Pipeline coverage: open pipeline expected to close this period ÷ quota still to win.

    None when there is no quota (None or 0), since there is nothing to cover. Once the quota is met
    the ratio is math.inf — callers should show "quota met" rather than a number.
    """
    if not quota:
        return None
    remaining = quota - won_in_period
    return open_pipeline_in_period / remaining if remaining > 0 else math.inf


def win_rate_target(won: int, lost: int, min_closed: int = 5) -> float | None:
    """Opportunities needed per win (1 ÷ win rate), the multiplier a coverage target should use.

    None until at least min_closed deals have closed, because a rate from a couple of deals is noise.
    Also None with 0 wins: the rate is 0 and no amount of pipeline would be "enough".
    """
    closed = won + lost
    if closed < min_closed or won <= 0:
        return None
    return closed / won


def value_concentration_verdict(largest: int, total: int) -> str:
    """Whether one deal holds too much of the pipeline value.

    "warning" above 30%, "watch" above 15% up to 30%, "healthy" at or below 15%, "none" with no value.
    """
    if not total:
        return "none"
    share = largest / total
    if share > 0.30:
        return "warning"
    return "healthy" if share <= 0.15 else "watch"


def weekly_streak(week_counts_newest_first: Sequence[int]) -> int:
    """Consecutive weeks, newest first, in which the rep opened at least one opportunity.

    The newest entry is the current, unfinished week: while it is still 0 the streak is counted from
    the previous week, so a streak doesn't look broken on Monday morning. It breaks only once a whole
    week has passed with nothing opened.
    """
    counts = week_counts_newest_first
    if counts and counts[0] == 0:
        counts = counts[1:]
    return len(list(takewhile(lambda count: count >= 1, counts)))


def creation_vs_average(this_week: int, previous_weeks: Sequence[int]) -> tuple[int, float]:
    """This week's count beside the average of the previous weeks given (0.0 when none are given)."""
    average = sum(previous_weeks) / len(previous_weeks) if previous_weeks else 0.0
    return this_week, average


def text_bar(share: float, width: int = 10) -> str:
    """A fixed-width bar that renders in any Slack client, e.g. ▇▇▇▇▇▇▁▁▁▁ for 0.62.

    The share is clamped to 0..1 and rounded to the nearest cell, halves up. Strict rounding means a
    share under half a cell (under 5% on 10 cells) shows as empty, so print the percentage beside it.
    """
    filled = math.floor(min(max(share, 0.0), 1.0) * width + 0.5)
    return "▇" * filled + "▁" * (width - filled)


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


def week_start(day: date) -> date:
    """The Monday of day's week: weeks run Monday to Sunday throughout the bot."""
    return day - timedelta(days=day.weekday())


# --- Nudge rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NudgeThresholds:
    """Every setting of the nudge rules. window_days is for the caller building RepActivity."""

    window_days: int = 14
    min_minutes: int = 360
    top_share: float = 0.60
    no_new_days: int = 10
    min_prospecting_share: float = 0.20


@dataclass(frozen=True)
class RepActivity:
    """One rep's selling time over the window. days_since_last_opened is None if they never opened one."""

    total_minutes: int
    top_deal_minutes: int
    top_deal_label: str | None
    prospecting_minutes: int
    days_since_last_opened: int | None


def concentration_reasons(activity: RepActivity, t: NudgeThresholds) -> list[str]:
    """Which nudge rules fire for a rep, in a fixed order; empty means no nudge.

    Nothing fires below min_minutes logged (or with nothing logged at all): too little time to judge.
    - "top_deal": the top deal's minutes are at or above top_share of all logged time, prospecting
      included in the total. Prospecting is never the "top deal".
    - "no_new_opportunities": the last opportunity was opened no_new_days or more days ago (or never),
      and prospecting is strictly below min_prospecting_share of logged time.
    """
    total = activity.total_minutes
    if total <= 0 or total < t.min_minutes:
        return []
    reasons = []
    if activity.top_deal_minutes / total >= t.top_share:
        reasons.append("top_deal")
    days = activity.days_since_last_opened
    stale = days is None or days >= t.no_new_days
    if stale and activity.prospecting_minutes / total < t.min_prospecting_share:
        reasons.append("no_new_opportunities")
    return reasons


# --- Timing: never nag ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingHours:
    """A rep's working hours in their local time; days are weekday numbers, Monday=0."""

    start: time = time(9)
    end: time = time(17)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class CoachingState:
    """What a rep chose (opt-out, snooze) and what happened (last nudge, undeliverable DM)."""

    enabled: bool = True
    snoozed_until: datetime | None = None
    last_nudged_at: datetime | None = None
    undeliverable: bool = False


_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap]m)?", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
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


def local_now(now_utc: datetime, tz_name: str | None) -> datetime:
    """now in the rep's IANA zone (DST-correct); a missing or unknown zone falls back to UTC.

    Falling back keeps one bad profile setting from stopping a rep's coaching altogether.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    try:
        zone = ZoneInfo(tz_name) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zone = UTC
    return now_utc.astimezone(zone)


def within_working_hours(now_utc: datetime, tz_name: str | None, hours: WorkingHours) -> bool:
    """Whether it is working time for the rep: a working day, start inclusive, end exclusive, local time."""
    local = local_now(now_utc, tz_name)
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def may_nudge(now_utc: datetime, state: CoachingState, cooldown: timedelta) -> tuple[bool, str]:
    """Whether a nudge may go out now and, if not, the first reason for logs.

    Checked in order: "disabled" (opted out), "snoozed" (until snoozed_until, exclusive), "cooldown"
    (while now − last_nudged_at < cooldown), "undeliverable" (DMs to the rep fail). Otherwise (True, "ok").
    """
    if not state.enabled:
        return False, "disabled"
    if state.snoozed_until is not None and now_utc < state.snoozed_until:
        return False, "snoozed"
    if state.last_nudged_at is not None and now_utc - state.last_nudged_at < cooldown:
        return False, "cooldown"
    if state.undeliverable:
        return False, "undeliverable"
    return True, "ok"


def _this_weeks_slot(now_utc: datetime, tz_name: str | None, weekday: int, at: time) -> tuple[date, datetime]:
    """The rep's local date of this week's slot (weeks start Monday) and the slot as an instant in UTC.

    A slot inside a DST gap happens that much later (02:30 on a spring-forward night is 03:30);
    one inside a DST overlap happens at its first occurrence.
    """
    local = local_now(now_utc, tz_name)
    day = week_start(local.date()) + timedelta(days=weekday)
    return day, datetime.combine(day, at, tzinfo=local.tzinfo).astimezone(UTC)


def reflection_due(
    now_utc: datetime, tz_name: str | None, weekday: int, at: time, window: timedelta = timedelta(minutes=15)
) -> date | None:
    """The local date of this week's reflection slot if now is in [slot, slot + window), else None.

    The window matches the scheduler's tick so each slot is seen once; use the date as the
    idempotency key for the send.
    """
    day, slot = _this_weeks_slot(now_utc, tz_name, weekday, at)
    return day if slot <= now_utc < slot + window else None


def reflection_slot_passed_this_week(now_utc: datetime, tz_name: str | None, weekday: int, at: time) -> date | None:
    """The local date of this week's slot if it is at or before now, else None.

    For catching up after downtime; the durable claim on the date prevents a double send. A slot
    missed last week is not caught up once the rep's new week has begun.
    """
    day, slot = _this_weeks_slot(now_utc, tz_name, weekday, at)
    return day if slot <= now_utc else None


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
        (number for number, name in enumerate(_WEEKDAYS) if len(day_word) >= 3 and name.startswith(day_word)),
        None,
    )
    at = _parse_clock(clock.strip().removeprefix("at "))
    if weekday is None or at is None:
        raise ValueError(f"I couldn't read “{text}” as a weekly time. Try a day and a time, like fri 15:00.")
    return weekday, at


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(word: str) -> int | None:
    word = word.strip().lower()
    if len(word) < 3:
        return None
    return next((number for number, name in enumerate(_WEEKDAYS) if name.startswith(word)), None)


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


def format_work_days(days: frozenset[int]) -> str:
    """The shortest way to write a set of days back: "Mon–Fri", "Sun–Thu" or "Mon, Wed, Fri"."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    for start in ordered:  # a run of consecutive days, possibly wrapping the week
        run = [(start + step) % 7 for step in range(len(ordered))]
        if set(run) == set(ordered) and len(ordered) > 2:
            return f"{_DAY_NAMES[run[0]].title()}–{_DAY_NAMES[run[-1]].title()}"
    return ", ".join(_DAY_NAMES[day].title() for day in ordered)


def next_working_day(day: date, days: frozenset[int]) -> date:
    """The first working day strictly after day (a week later at most, when only one day is worked)."""
    for step in range(1, 8):
        candidate = day + timedelta(days=step)
        if candidate.weekday() in days:
            return candidate
    return day + timedelta(days=7)
