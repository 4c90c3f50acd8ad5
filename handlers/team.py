"""The team's surfaces: `/opportunity team` for managers and `/opportunity export` for everyone."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import export, team
from bot.jobs.nudges import concentrated_reps
from bot.messages import problem
from bot.messages import team as views
from handlers.common import replying_on_failure, services_of
from storage import team as store

log = logging.getLogger("pipeline_coach")
EXPORT_FAILED = (
    "I couldn't upload the CSV to our DM just now. If this keeps happening, an admin may need to reinstall "
    "the app so it has the files:write and im:write permissions."
)


def _send(respond: Respond):
    return lambda payload: respond(**payload)


def team_view(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    """Managers see every rep's creation, pipeline and coverage; others get a polite no."""
    ack()
    services = services_of(context)
    with replying_on_failure(_send(respond)):
        if not services.managers.is_manager(command["user_id"]):
            respond(**problem(views.NOT_A_MANAGER))
            return
        respond(**team_reply(services, command["team_id"]))


def team_reply(services, team_id: str) -> dict:
    from bot.health import health_window

    window = health_window(services)
    figures = store.rep_figures(
        services.db,
        team_id,
        week_start=window.week_starts[0],
        previous_weeks=team.AVERAGE_WEEKS,
        period_start=window.period_start,
        period_end=window.period_end,
        period_start_at=window.period_start_at,
        period_end_at=window.period_end_at,
    )
    flagged = set(concentrated_reps(services, team_id, services.now()))
    rows = team.team_rows(figures, flagged, window.today)
    return views.team_reply(rows, team.team_coverage(figures), services.settings.currency_symbol)


def export_files(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity export [opportunities|activities|all] [since] [team]`: CSV files in the rep's DM."""
    services = services_of(context)
    request = export.parse_export(rest, services.team_today())
    ack(**views.export_started(request.kinds, request.whole_team))
    with replying_on_failure(_send(respond)):
        if request.whole_team and not services.managers.is_manager(command["user_id"]):
            respond(**views.export_for_managers_only())
            return
        try:
            files = export.deliver_export(services, command["team_id"], command["user_id"], request)
        except SlackApiError as error:
            log.warning("export upload failed: %s", error.response.get("error"))
            respond(**problem(EXPORT_FAILED))
            return
        respond(**views.export_done([(item.filename, item.rows) for item in files]))


SUBCOMMANDS = {"team": team_view, "export": export_files}
