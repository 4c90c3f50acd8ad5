"""When the coach may speak: working hours in the rep's own zone, working days without the public holidays
of the rep's (or the workspace's) calendar, weekly slots, opt-outs, snoozes and cooldowns. "Never nag"
lives here, in plain functions with the clock passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.rules.holidays import holiday_name
from bot.rules.periods import local_now, week_start, weekday_key, zone_or_utc


@dataclass(frozen=True)
class WorkingHours:
    """A rep's working hours in their local time; days are weekday numbers, Monday=0; `holidays` is the
    public-holiday calendar they keep ("GB", "US-CA"; bot/rules/holidays.py), None for none."""

    start: time = time(9)
    end: time = time(17)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: str | None = None


def is_working_day(day: date, hours: WorkingHours) -> bool:
    """One of the rep's working weekdays and not a public holiday in their calendar: every job asks this."""
    return day.weekday() in hours.days and holiday_name(day, hours.holidays) is None


@dataclass(frozen=True)
class CoachingState:
    """What a rep chose (opt-out, snooze) and what happened (last nudge, undeliverable DM)."""

    enabled: bool = True
    snoozed_until: datetime | None = None
    last_nudged_at: datetime | None = None
    undeliverable: bool = False


def within_working_hours(now_utc: datetime, tz_name: str | None, hours: WorkingHours) -> bool:
    """Whether it is working time for the rep: a working day, start inclusive, end exclusive, local time."""
    local = local_now(now_utc, tz_name)
    return is_working_day(local.date(), hours) and hours.start <= local.time() < hours.end


def _this_weeks_slot(now_utc: datetime, tz_name: str | None, weekday: int, at: time) -> tuple[date, datetime]:
    """The rep's local date of this week's slot (weeks start Monday) and the slot as an instant in UTC.

    A slot inside a DST gap happens that much later (02:30 on a spring-forward night is 03:30);
    one inside a DST overlap happens at its first occurrence.
    """
    local = local_now(now_utc, tz_name)
    day = week_start(local.date()) + timedelta(days=weekday)
    return day, datetime.combine(day, at, tzinfo=local.tzinfo).astimezone(UTC)


def weekly_slot(
    now_utc: datetime,
    tz_name: str | None,
    weekday: int,
    at: time,
    window: timedelta = timedelta(minutes=15),
    hours: WorkingHours | None = None,
) -> tuple[date, datetime] | None:
    """(the slot's local date, the instant it is due) if now is in [due, due + window), else None.

    A window longer than the scheduler's tick catches a slot up after a restart or a missed tick, but
    never hours later at night; the date is the idempotency key for the send. With the rep's `hours`, a
    slot that falls on a public holiday of their calendar is due instead at the start of the next working
    day (the working morning), keeping its own date as its key, so it is asked once, never on the holiday.
    """
    this_day, slot = _this_weeks_slot(now_utc, tz_name, weekday, at)
    for day, instant in ((this_day, slot), (this_day - timedelta(weeks=1), slot - timedelta(weeks=1))):
        if hours is not None and holiday_name(day, hours.holidays) is not None:
            morning = next_working_day(day, hours)
            instant = datetime.combine(morning, hours.start, tzinfo=zone_or_utc(tz_name)).astimezone(UTC)
        elif day != this_day:
            continue
        if instant <= now_utc < instant + window:
            return day, instant
    return None


def next_working_day(day: date, hours: WorkingHours) -> date:
    """The first working day strictly after day: a working weekday that is not a public holiday (a week
    later at most when only one weekday is worked; a fortnight when holidays fill the week after too)."""
    for step in range(1, 15):
        candidate = day + timedelta(days=step)
        if is_working_day(candidate, hours):
            return candidate
    return day + timedelta(days=7)


def why_not_now(state: CoachingState, now_utc: datetime, cooldown: timedelta | None = None) -> str | None:
    """Why the coach must not DM this rep now, or None when it may: the one "may we message" rule.

    Checked in order: "disabled" (opted out), "snoozed" (until snoozed_until, exclusive), "cooldown"
    (only for nudges: while now − last_nudged_at < cooldown), "undeliverable" (DMs to the rep fail).
    """
    if not state.enabled:
        return "disabled"
    if state.snoozed_until is not None and now_utc < state.snoozed_until:
        return "snoozed"
    if cooldown is not None and state.last_nudged_at is not None and now_utc - state.last_nudged_at < cooldown:
        return "cooldown"
    if state.undeliverable:
        return "undeliverable"
    return None


def may_nudge(now_utc: datetime, state: CoachingState, cooldown: timedelta) -> tuple[bool, str]:
    """Whether a nudge may go out now and, if not, the first reason (see why_not_now)."""
    reason = why_not_now(state, now_utc, cooldown)
    return reason is None, reason or "ok"


@dataclass(frozen=True)
class CoachDefaults:
    """The team's defaults, read once from the settings (bot/parsing/coaching.py: coach_defaults)."""

    hours: WorkingHours
    reflection_weekday: int
    reflection_time: time
    team_timezone: str


@dataclass(frozen=True)
class Profile:
    """A rep's effective coaching settings: their own choices, else the team's defaults."""

    user_id: str
    tz: str
    hours: WorkingHours
    reflection_weekday: int
    reflection_time: time
    state: CoachingState
    custom_hours: bool
    custom_days: bool
    custom_reflection: bool
    custom_holidays: bool = False


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _days(stored: str) -> frozenset[int]:
    """Working days as stored ("mon,tue,thu", written by parse_coach with weekday_key)."""
    keys = {day.strip().lower()[:3] for day in stored.split(",")}
    return frozenset(number for number in range(7) if weekday_key(number) in keys)


def state_of(rep) -> CoachingState:
    """What a rep chose and what happened, from their stored settings row."""
    return CoachingState(
        enabled=rep.coaching_enabled,
        snoozed_until=rep.snoozed_until,
        last_nudged_at=rep.last_nudged_at,
        undeliverable=rep.undeliverable_reason is not None,
    )


def profile(rep, defaults: CoachDefaults, tz: str | None = None) -> Profile:
    """The rep's stored choices (storage.reps.RepSettings) over the team's defaults."""
    custom_reflection = rep.reflection_weekday is not None and rep.reflection_time is not None
    days = _days(rep.work_days) if rep.work_days else defaults.hours.days
    return Profile(
        user_id=rep.user_id,
        tz=tz or rep.tz or defaults.team_timezone,
        hours=WorkingHours(
            _clock(rep.work_start) if rep.work_start else defaults.hours.start,
            _clock(rep.work_end) if rep.work_end else defaults.hours.end,
            days or defaults.hours.days,
            rep.holiday_calendar or defaults.hours.holidays,
        ),
        reflection_weekday=rep.reflection_weekday if custom_reflection else defaults.reflection_weekday,
        reflection_time=_clock(rep.reflection_time) if custom_reflection else defaults.reflection_time,
        state=state_of(rep),
        custom_hours=bool(rep.work_start),
        custom_days=bool(rep.work_days),
        custom_reflection=custom_reflection,
        custom_holidays=bool(rep.holiday_calendar),
    )
