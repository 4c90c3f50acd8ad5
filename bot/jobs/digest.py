"""The weekly digest in the celebration channel: opportunities opened last week first, then wins.

Claimed like every scheduled message (storage/claims.py), keyed by workspace, channel and the Monday of
the week it is posted in, so it is posted once however many schedulers run and however late they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import coach
from bot.coaching import parse_weekly_slot, period_bounds, reflection_slot_passed_this_week
from bot.jobs.report import JobReport
from bot.messages import team as views
from bot.services import Services
from bot.team import creation_to_capture, streak_keepers, team_coverage
from storage import claims, team
from storage.coaching import teams

KIND = "digest"
LISTED = 300


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("digest", now)
    settings = services.settings
    channel = settings.celebration_channel
    if not channel:
        report.count("no celebration channel")
        return report
    weekday, at = parse_weekly_slot(settings.digest_slot)
    posting_day = reflection_slot_passed_this_week(now, settings.team_timezone, weekday, at)
    for team_id in teams(services.db):
        for claim in claims.take_over_due(services.db, team_id, KIND, now):
            report.count(coach.deliver(services, claim, now))
        if posting_day is None:
            continue
        monday = posting_day - timedelta(days=posting_day.weekday())
        key = claims.Key(team_id, channel, KIND, monday.isoformat())
        if claims.existing_keys(services.db, team_id, KIND, {key.period_key}):
            continue
        report.due += 1
        claim = claims.claim(services.db, key, *render(services, team_id, monday, now), now)
        report.count(coach.deliver(services, claim, now) if claim else "already claimed")
    return report


def render(services: Services, team_id: str, monday: date, now: datetime) -> tuple[str, list[dict]]:
    """Last week's news (the seven days before `monday`, in the team's time zone)."""
    settings = services.settings
    zone = ZoneInfo(settings.team_timezone)

    def instant(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    news = team.week_news(services.db, team_id, instant(monday - timedelta(weeks=1)), instant(monday), LISTED)
    today = now.astimezone(zone).date()
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
