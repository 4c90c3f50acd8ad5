"""The team view for managers: per-rep creation, pipeline, coverage and concentration, never answers."""

from __future__ import annotations

from bot.rules import team as rules
from bot.rules.team import TeamView
from bot.services import Services
from bot.services.coach import concentrated_reps
from bot.services.health import health_window
from bot.services.outlook import team_creation
from storage import reps
from storage import team as store


def is_manager(services: Services, user_id: str) -> bool:
    return services.managers.is_manager(user_id)


def team_view(services: Services, team_id: str) -> TeamView:
    """Every rep in the workspace (storage/reps.py says who: one with nothing on record too), most openings
    first; the caller has checked the viewer is a manager."""
    window = health_window(services)
    figures = store.rep_figures(
        services.db,
        team_id,
        week_start=window.week_starts[0],
        previous_weeks=rules.AVERAGE_WEEKS,
        period_start=window.period_start,
        period_end=window.period_end,
        period_start_at=window.period_start_at,
        period_end_at=window.period_end_at,
        people=reps.people(services.db, team_id, leaving_out=services.managers.all_managers()),
    )
    flagged = set(concentrated_reps(services, team_id, services.now()))
    rows = rules.team_rows(figures, flagged, window.today)
    return TeamView(rows, rules.team_coverage(figures), team_creation(services, team_id, window.today))
