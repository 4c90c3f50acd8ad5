"""The coach's plumbing shared by the jobs and the handlers: a rep's effective settings, their time zone
from Slack (cached), and delivering a claimed DM exactly once.

The rules themselves are the pure functions in bot/coaching.py; this module only feeds them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import coaching
from bot.services import Services
from bot.settings import Settings
from storage import claims
from storage import coaching as store
from storage.coaching import RepSettings

log = logging.getLogger("pipeline_coach.coach")

TZ_CACHE = timedelta(days=1)
# Slack errors that mean the rep cannot get our DMs: mark them and stop trying (no retries).
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "user_disabled",
        "user_is_restricted",
        "channel_not_found",
        "is_archived",
        "not_allowed_token_type",
        "messages_tab_disabled",
    }
)
SENT, RETRY, FAILED, SKIPPED = claims.SENT, claims.RETRY, claims.FAILED, claims.SKIPPED


@dataclass(frozen=True)
class Profile:
    """A rep's effective coaching settings: their own choices, else the team's defaults."""

    user_id: str
    tz: str
    hours: coaching.WorkingHours
    reflection_weekday: int
    reflection_time: time
    state: coaching.CoachingState
    custom_hours: bool
    custom_days: bool
    custom_reflection: bool


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def profile(rep: RepSettings, settings: Settings, tz: str | None = None) -> Profile:
    default_start, default_end = coaching.parse_hours(settings.work_hours)
    default_weekday, default_time = coaching.parse_weekly_slot(settings.reflection_slot)
    start = _clock(rep.work_start) if rep.work_start else default_start
    end = _clock(rep.work_end) if rep.work_end else default_end
    days = coaching.parse_work_days(rep.work_days or settings.work_days)
    custom_reflection = rep.reflection_weekday is not None and rep.reflection_time is not None
    return Profile(
        user_id=rep.user_id,
        tz=tz or rep.tz or settings.team_timezone,
        hours=coaching.WorkingHours(start, end, days),
        reflection_weekday=rep.reflection_weekday if custom_reflection else default_weekday,  # type: ignore[arg-type]
        reflection_time=_clock(rep.reflection_time) if custom_reflection else default_time,  # type: ignore[arg-type]
        state=coaching.CoachingState(
            enabled=rep.coaching_enabled,
            snoozed_until=rep.snoozed_until,
            last_nudged_at=rep.last_nudged_at,
            undeliverable=rep.undeliverable_reason is not None,
        ),
        custom_hours=bool(rep.work_start),
        custom_days=bool(rep.work_days),
        custom_reflection=custom_reflection,
    )


def thresholds(settings: Settings) -> coaching.NudgeThresholds:
    return coaching.NudgeThresholds(
        window_days=settings.nudge_window_days,
        min_minutes=round(settings.nudge_min_hours * 60),
        top_share=settings.nudge_top_share,
        no_new_days=settings.nudge_no_new_days,
        min_prospecting_share=settings.nudge_min_prospecting_share,
    )


def window(services: Services) -> tuple[date, date]:
    """The rolling window of days the nudge looks at, ending today in the team's time zone."""
    today = services.team_today()
    return today - timedelta(days=services.settings.nudge_window_days - 1), today


def time_zones(
    services: Services, team_id: str, reps: Iterable[RepSettings], now: datetime
) -> tuple[dict[str, str | None], set[str]]:
    """Each rep's zone, asking Slack (users.info) only for reps whose cached zone is a day old or missing.

    Returns the zones and the reps Slack says are gone (deleted, deactivated, not found), who are marked
    undeliverable. A Slack hiccup keeps the cached zone (or none) rather than stopping the run.
    """
    reps = list(reps)
    zones: dict[str, str | None] = {rep.user_id: rep.tz for rep in reps}
    fetched: dict[str, str | None] = {}
    gone: dict[str, str] = {}
    for rep in reps:
        if rep.tz_checked_at is not None and now - rep.tz_checked_at < TZ_CACHE:
            continue
        try:
            user = services.client.users_info(user=rep.user_id).get("user") or {}
        except SlackApiError as error:
            reason = str(error.response.get("error") or "")
            if reason in UNREACHABLE:
                gone[rep.user_id] = reason
            else:
                log.warning("users.info for %s failed (%s); using the cached time zone", rep.user_id, reason)
            continue
        except SlackClientError as error:
            log.warning("users.info for %s failed (%s); using the cached time zone", rep.user_id, error)
            continue
        if user.get("deleted"):
            gone[rep.user_id] = "account_inactive"
            continue
        fetched[rep.user_id] = user.get("tz") or None
    if fetched or gone:
        store.save_time_zones(services.db, team_id, fetched, now, gone)
    zones.update(fetched)
    for user_id in gone:
        zones.pop(user_id, None)
    return zones, set(gone)


def deliver(services: Services, claim: claims.Claim, now: datetime) -> str:
    """Send a claimed DM and record what happened: sent, retry (with backoff), failed, or skipped."""
    try:
        services.client.chat_postMessage(channel=claim.key.user_id, text=claim.text, blocks=claim.blocks)
    except SlackApiError as error:
        reason = str(error.response.get("error") or f"http_{error.response.status_code}")
        if reason in UNREACHABLE:
            claims.mark_skipped(services.db, claim, reason, now)
            log.info("%s for %s skipped: Slack says %s", claim.key.kind, claim.key.user_id, reason)
            return SKIPPED
        return _failed(services, claim, reason, now)
    except Exception as error:  # connection trouble, a timeout, anything else: try again later
        return _failed(services, claim, f"{error.__class__.__name__}: {error}", now)
    claims.mark_sent(services.db, claim, now)
    return SENT


def _failed(services: Services, claim: claims.Claim, reason: str, now: datetime) -> str:
    outcome = claims.mark_failed_attempt(services.db, claim, reason, now)
    if outcome.status == FAILED:
        log.error(
            "gave up on %s %s for %s after %s attempts: %s",
            claim.key.kind,
            claim.key.period_key,
            claim.key.user_id,
            outcome.attempts,
            reason,
        )
    else:
        log.warning(
            "%s for %s failed (%s); retrying at %s", claim.key.kind, claim.key.user_id, reason, outcome.next_attempt_at
        )
    return outcome.status
