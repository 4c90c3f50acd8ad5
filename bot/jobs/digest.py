"""The weekly digest in the celebration channel: opportunities opened last week first, then wins.

Claimed like every scheduled message (storage/claims.py), keyed by workspace, the channel (the claim's
recipient) and the Monday of the week it is posted in, so it is posted once however many schedulers run
and however late they are.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.delivery import WorkspaceUnreachable, deliver
from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import team as views
from bot.parsing.coaching import parse_weekly_slot
from bot.rules.periods import first_weekday, local_midnight, local_now, period_bounds, week_start
from bot.rules.team import creation_to_capture, streak_keepers, team_coverage
from bot.rules.timing import weekly_slot
from bot.services import Services
from storage import claims, outbox, team

KIND = "digest"
# Posted at its slot, or caught up this long after it (a restart, a missed tick), never later at night.
CATCH_UP = timedelta(hours=3)
LISTED = 300


def run(services: Services, now: datetime) -> JobReport:
    services = common.ticking(services, now)
    report = JobReport("digest", now)
    for team_id, scoped in common.workspaces_to_serve(services, report):
        try:
            run_team(scoped, team_id, now, report)
        except WorkspaceUnreachable as failure:
            common.skip_workspace(report, team_id, str(failure))
    return report


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    """One workspace's digest, in its own channel, at its own slot in its own time zone."""
    settings = services.settings
    channel = settings.celebration_channel
    for claim in claims.take_over_due(services.db, team_id, KIND, now):
        report.count(deliver(services, claim, now))
    if not channel:
        report.count("no celebration channel")
        return
    weekday, at = parse_weekly_slot(settings.digest_slot)
    found = weekly_slot(now, settings.team_timezone, weekday, at, CATCH_UP)
    if found is None:
        return
    posting_day = found[0]
    monday = week_start(posting_day, first_weekday(settings.week_start_day))
    first = team.first_entry_at(services.db, team_id)
    if first is None or first >= local_midnight(monday, settings.team_timezone):
        report.count("no week to report yet")
        return
    key = claims.Key(team_id, channel, KIND, monday.isoformat())
    if outbox.existing_keys(services.db, team_id, KIND, {key.period_key}):
        return
    report.due += 1
    claim = claims.claim(services.db, key, *render(services, team_id, monday, now), now)
    report.count(deliver(services, claim, now) if claim else "already claimed")


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
