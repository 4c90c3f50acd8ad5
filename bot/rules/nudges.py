"""Who the coach nudges and why: a rep whose logged time sits on one deal, or who has stopped opening new
opportunities while barely prospecting. Plain functions over the aggregates storage supplies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.rules.periods import local_now
from storage.records import RepSellingTime


@dataclass(frozen=True)
class NudgeThresholds:
    """Every setting of the nudge rules, read from the NUDGE_* settings (`thresholds`), whose defaults are the
    only ones. window_days is for the caller building RepActivity."""

    window_days: int
    min_minutes: int
    top_share: float
    no_new_days: int
    min_prospecting_share: float


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


def thresholds(settings) -> NudgeThresholds:
    """The rules' thresholds from the NUDGE_* settings."""
    return NudgeThresholds(
        window_days=settings.nudge_window_days,
        min_minutes=round(settings.nudge_min_hours * 60),
        top_share=settings.nudge_top_share,
        no_new_days=settings.nudge_no_new_days,
        min_prospecting_share=settings.nudge_min_prospecting_share,
    )


@dataclass(frozen=True)
class Concentrated:
    """A rep a nudge rule fires for: their selling time over the window, and why."""

    time: RepSellingTime
    days_since_opened: int | None
    reasons: tuple[str, ...]


def concentrated_reps(
    times: Iterable[RepSellingTime],
    last_opened: dict[str, datetime],
    now: datetime,
    rules: NudgeThresholds,
    tz_name: str = "UTC",
) -> dict[str, Concentrated]:
    """Every rep whose selling time fires a nudge rule, by user id (the nudge, reflections and the manager
    view all ask this same question). Days since an opening are calendar days in `tz_name` (the team's
    zone): a deal opened last night was opened yesterday, not "today"."""
    today = local_now(now, tz_name).date()
    found = {}
    for time in times:
        last = last_opened.get(time.user_id)
        days = max((today - local_now(last, tz_name).date()).days, 0) if last is not None else None
        activity = RepActivity(
            total_minutes=time.total_minutes,
            top_deal_minutes=time.top_opportunity_minutes,
            top_deal_label=time.top_opportunity_name,
            prospecting_minutes=time.prospecting_minutes,
            days_since_last_opened=days,
        )
        reasons = concentration_reasons(activity, rules)
        if reasons:
            found[time.user_id] = Concentrated(time, days, tuple(reasons))
    return found
