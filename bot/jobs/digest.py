"""The weekly digest in the celebration channel: opportunities opened last week first, then wins.

Claimed like every scheduled message (storage/claims.py), keyed by workspace, the channel (the claim's
recipient) and the Monday of the week it is posted in, so it is posted once however many schedulers run
and however late they are.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.delivery import deliver
from bot.jobs.common import ticking
from bot.jobs.report import JobReport
from bot.messages import team as views
from bot.parsing.coaching import parse_weekly_slot
from bot.rules.periods import local_midnight, local_now, period_bounds, week_start
from bot.rules.team import creation_to_capture, streak_keepers, team_coverage
from bot.rules.timing import weekly_slot_passed_this_week
from bot.services import Services
from storage import claims, outbox, team
from storage.reps import teams

KIND = "digest"
LISTED = 300


def run(services: Services, now: datetime) -> JobReport:
    services = ticking(services, now)
    report = JobReport("digest", now)
    settings = services.settings
    channel = settings.celebration_channel
    if not channel:
        report.count("no celebration channel")
        return report
    weekday, at = parse_weekly_slot(settings.digest_slot)
    posting_day = weekly_slot_passed_this_week(now, settings.team_timezone, weekday, at)
    for team_id in teams(services.db):
        for claim in claims.take_over_due(services.db, team_id, KIND, now):
            report.count(deliver(services, claim, now))
        if posting_day is None:
            continue
        monday = week_start(posting_day)
        key = claims.Key(team_id, channel, KIND, monday.isoformat())
        if outbox.existing_keys(services.db, team_id, KIND, {key.period_key}):
            continue
        report.due += 1
        claim = claims.claim(services.db, key, *render(services, team_id, monday, now), now)
        report.count(deliver(services, claim, now) if claim else "already claimed")
    return report


def render(services: Services, team_id: str, monday: date, now: datetime) -> tuple[str, list[dict]]:
    """Last week's news (the seven days before `monday`, in the team's time zone)."""
    settings = services.settings

    def instant(day: date) -> datetime:
        return local_midnight(day, settings.team_timezone)

    news = team.week_news(services.db, team_id, instant(monday - timedelta(weeks=1)), instant(monday), LISTED)
    today = local_now(now, settings.team_timezone).date()
    start, end = period_bounds(today, settings.quota_period, settings.quarter_start_month)
    figures = team.rep_figures(
        services.db,
        team_id,
        week_start=instant(monday),
        previous_weeks=4,
        period_start=start,
        period_end=end,
        period_start_at=instant(start),
        period_end_at=instant(end + timedelta(days=1)),
    )
    return views.digest(
        news,
        creation_to_capture(news.opened_total, news.won_total),
        streak_keepers(news.openers, news.openers_week_before),
        team_coverage(figures),
        settings.currency_symbol,
        settings.celebrate_amounts,
    )
