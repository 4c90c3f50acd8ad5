"""When the coach may speak: working hours in the rep's own zone, weekly slots, opt-outs, snoozes and
cooldowns. "Never nag" lives here, in plain functions with the clock passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.rules.periods import local_now, week_start, weekday_key


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


def within_working_hours(now_utc: datetime, tz_name: str | None, hours: WorkingHours) -> bool:
    """Whether it is working time for the rep: a working day, start inclusive, end exclusive, local time."""
    local = local_now(now_utc, tz_name)
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def _this_weeks_slot(now_utc: datetime, tz_name: str | None, weekday: int, at: time) -> tuple[date, datetime]:
    """The rep's local date of this week's slot (weeks start Monday) and the slot as an instant in UTC.

    A slot inside a DST gap happens that much later (02:30 on a spring-forward night is 03:30);
    one inside a DST overlap happens at its first occurrence.
    """
    local = local_now(now_utc, tz_name)
    day = week_start(local.date()) + timedelta(days=weekday)
    return day, datetime.combine(day, at, tzinfo=local.tzinfo).astimezone(UTC)


def weekly_slot_due(
    now_utc: datetime, tz_name: str | None, weekday: int, at: time, window: timedelta = timedelta(minutes=15)
) -> date | None:
    """The local date of this week's slot (a reflection, the digest) if now is in [slot, slot + window).

    A window longer than the scheduler's tick catches a slot up after a restart or a missed tick, but
    never hours later at night; the date is the idempotency key for the send.
    """
    day, slot = _this_weeks_slot(now_utc, tz_name, weekday, at)
    return day if slot <= now_utc < slot + window else None


def next_working_day(day: date, days: frozenset[int]) -> date:
    """The first working day strictly after day (a week later at most, when only one day is worked)."""
    for step in range(1, 8):
        candidate = day + timedelta(days=step)
        if candidate.weekday() in days:
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
        ),
        reflection_weekday=rep.reflection_weekday if custom_reflection else defaults.reflection_weekday,
        reflection_time=_clock(rep.reflection_time) if custom_reflection else defaults.reflection_time,
        state=state_of(rep),
        custom_hours=bool(rep.work_start),
        custom_days=bool(rep.work_days),
        custom_reflection=custom_reflection,
    )
