"""What lies ahead: a rep's number dependency, the opening pace next period needs, and the obstacles on
their deals (for health and Home); and the team's creation picture for managers (the leaders' digest
and `/opportunity team`). A few GROUP BYs per workspace, never a query per rep."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from bot.rules import leaders
from bot.rules.health import CLOSED_LOOKBACK_DAYS, HealthReport
from bot.rules.openings import EarlyDeal, OpeningGap, opening_gap
from bot.rules.outlook import (
    History,
    NumberDependency,
    RepOutlook,
    TeamCreation,
    history_to_use,
    number_dependency,
    opening_pace,
)
from bot.rules.periods import local_midnight, local_now, period_bounds, week_start
from bot.services import Services, team_reads, walkaway
from bot.services.health import current_period, health_window
from storage import concentration, obstacles, outlook, reps
from storage.rows import read_row

EARLY_LISTED = 5
# The workspace's closed deals, borrowed by reps with too few of their own, are read again after this long
# (and at once after a stage move here): a CRM sync or an import that closes deals shows within a minute.
TEAM_HISTORY_SECONDS = 60.0


def _history(sums: outlook.ClosedSums) -> History:
    """A rep's (or the workspace's) stored sums, as the outlook rules add and divide them."""
    return read_row(History, sums)


def next_period(services: Services) -> tuple[date, date]:
    settings = services.settings
    _, end = current_period(services)
    return period_bounds(end + timedelta(days=1), settings.quota_period, settings.quarter_start_month)


def _pace_since(services: Services) -> datetime:
    return services.now() - timedelta(weeks=services.settings.opening_pace_weeks)


def _closed_since(services: Services) -> datetime:
    return services.now() - timedelta(days=CLOSED_LOOKBACK_DAYS)


def _quota_ahead(services: Services, team_id: str, user_id: str | None) -> tuple[dict[str, int], bool]:
    """Next period's quotas; this period's when nobody has set next period's yet (said so when shown)."""
    upcoming = outlook.quotas(services.db, team_id, next_period(services)[0], user_id)
    if upcoming:
        return upcoming, True
    return outlook.quotas(services.db, team_id, current_period(services)[0], user_id), False


def rep_outlook(services: Services, team_id: str, user_id: str, health: HealthReport) -> RepOutlook:
    """The rep's outlook beside their health report (whose quota and wins this period it reuses)."""
    settings = services.settings
    since = _pace_since(services)
    mine = outlook.rep_history(services.db, team_id, user_id, _closed_since(services), since)
    own = _history(mine.sums)
    team = None
    if own.closed < settings.own_history_min_closed:  # the team's figures only when the rep's own are too few
        team = team_history(services, team_id)
    history, source = history_to_use(own, team, settings.own_history_min_closed)
    quotas, is_next = _quota_ahead(services, team_id, user_id)
    next_start, next_end = next_period(services)
    pace = opening_pace(
        history,
        source,
        quotas.get(user_id),
        is_next,
        next_start,
        next_end,
        mine.opened_since,
        settings.opening_pace_weeks,
        services.team_today(),
    )
    gap = _gap(services, team_id, user_id, health, history, source, quotas.get(user_id) if is_next else None)
    largest = outlook.largest_closing(services.db, team_id, health.period_end, user_id).get(user_id)
    number = number_dependency(largest, health.quota, health.won_in_period, settings.number_rides_share)
    found = obstacles.open_obstacles(services.db, team_id, user_id=user_id)
    signals = tuple(walkaway.rep_signals(services, team_id, user_id))
    period = settings.quota_period
    return RepOutlook(number, settings.number_rides_share, pace, period, tuple(found.values()), gap, signals)


def _gap(services, team_id, user_id, health: HealthReport, history, source, quota_next) -> OpeningGap | None:
    """The real gap in openings this period and next, crediting the rep's open early-stage deals."""
    settings = services.settings
    quota_left = health.quota - health.won_in_period if health.quota else None
    if history is None or (quota_left is None and quota_next is None):
        return None
    zone = settings.team_timezone
    stages = leaders.early_stages(settings.open_stages, settings.early_stage_count)
    early = [
        EarlyDeal(row.amount, row.expected_close, local_now(row.created_at, zone).date())
        for row in outlook.rep_early_deals(services.db, team_id, user_id, stages)
    ]
    this = (health.period_start, health.period_end)
    today = services.team_today()
    return opening_gap(history, source, today, this, next_period(services), quota_left, quota_next, early)


def team_history(services: Services, team_id: str) -> History:
    """The workspace's closed deals as one history, which every rep short of history of their own borrows on
    each Home refresh and health report: read once per TEAM_HISTORY_SECONDS at most (bot/services/team_reads)."""
    return team_reads.kept(
        services,
        "team_history",
        team_id,
        TEAM_HISTORY_SECONDS,
        lambda: _history(outlook.team_history(services.db, team_id, _closed_since(services))),
    )


def team_creation(services: Services, team_id: str, today: date) -> TeamCreation:
    """The team's creation picture: last week's openings (Monday to Sunday before `today`'s week, in the
    team's zone) and who opened them, the pace next period needs, quiet prospecting as a count (over every
    rep, storage/reps.py says who, deal or none; managers only when they sell), early-stage deals."""
    settings = services.settings
    zone = settings.team_timezone
    monday = week_start(today)
    last_week = (local_midnight(monday - timedelta(weeks=1), zone), local_midnight(monday, zone))
    everyone = outlook.openings_by_rep(services.db, team_id, _pace_since(services), *last_week)
    history, source = history_to_use(team_history(services, team_id), None, settings.own_history_min_closed)
    quotas, is_next = _quota_ahead(services, team_id, None)
    next_start, next_end = next_period(services)
    pace = opening_pace(
        history,
        source and "team",
        sum(quotas.values()) or None,
        is_next,
        next_start,
        next_end,
        sum(since for since, _ in everyone.values()),
        settings.opening_pace_weeks,
        today,
    )
    prospecting = concentration.last_prospecting_by_rep(  # logged or captured
        services.db, team_id, today - timedelta(days=settings.quiet_prospecting_days - 1)
    )
    counted = reps.people(services.db, team_id, leaving_out=services.managers.all_managers())
    opened = {user: in_week for user, (_, in_week) in everyone.items() if user in counted}
    stages = leaders.early_stages(settings.open_stages, settings.early_stage_count)
    early, early_total = outlook.early_deals(services.db, team_id, stages, EARLY_LISTED)
    return TeamCreation(
        opened_last_week=sum(in_week for _, in_week in everyone.values()),
        openers_last_week=leaders.openers(opened),
        reps=len(counted),
        quiet=leaders.quiet_on_prospecting(counted, prospecting, today, settings.quiet_prospecting_days),
        quiet_days=settings.quiet_prospecting_days,
        pace=pace,
        period=settings.quota_period,
        early=tuple(early),
        early_total=early_total,
        early_stages=stages,
        opened_by=leaders.credited(opened),
    )


def numbers_riding(services: Services, team_id: str, user_ids: Collection[str]) -> dict[str, NumberDependency]:
    """Which of some reps (a batch being rendered) have a number riding on one deal (flagged above
    NUMBER_RIDES_SHARE), for the nudge's reasons and the reflection's choice of question: their quotas, what
    they won this period and their largest deal closing in it, three indexed reads of theirs alone, so the
    cost follows the batch, never the workspace's size or history."""
    window = health_window(services)
    quotas = outlook.quotas(services.db, team_id, window.period_start, user_ids=user_ids)
    if not quotas:
        return {}
    won = outlook.won_in_period(services.db, team_id, window.period_start_at, window.period_end_at, set(quotas))
    largest = outlook.largest_closing(services.db, team_id, window.period_end, user_ids=set(quotas))
    threshold = services.settings.number_rides_share
    found = {}
    for user_id, quota in quotas.items():
        number = number_dependency(largest.get(user_id), quota, won.get(user_id, 0), threshold)
        if number is not None and number.flagged:
            found[user_id] = number
    return found
