"""The health report for one rep: the team's dates, one storage round trip, then the figures."""

from __future__ import annotations

from datetime import date

from bot.rules import health as rules
from bot.rules.health import HealthReport
from bot.rules.periods import first_weekday, period_bounds
from bot.services import Services
from storage import health as store
from storage.records import HealthWindow


def current_period(services: Services) -> tuple[date, date]:
    """The quota period (month or quarter, per the settings) containing the team's today."""
    settings = services.settings
    return period_bounds(services.team_today(), settings.quota_period, settings.quarter_start_month)


def health_window(services: Services) -> HealthWindow:
    settings = services.settings
    return rules.health_window(
        services.now(),
        settings.team_timezone,
        settings.quota_period,
        settings.quarter_start_month,
        settings.health_window_days,
        settings.stalled_days,
        first_weekday(settings.week_start_day),
    )


def build_health(services: Services, team_id: str, user_id: str) -> HealthReport:
    """One rep's report: their own rows only, one storage round trip."""
    window = health_window(services)
    data = store.health_data(services.db, team_id, user_id, window)
    settings = services.settings
    return rules.health_figures(
        data,
        today=window.today,
        period=settings.quota_period,
        period_start=window.period_start,
        period_end=window.period_end,
        coverage_target=settings.coverage_target,
        window_days=settings.health_window_days,
        stalled_days=settings.stalled_days,
    )
