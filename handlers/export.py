"""`/opportunity export [opportunities|activities|all] [since] [team]`: CSV files in the rep's DM."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messages import team as views
from bot.messages.kit import problem
from bot.parsing.export import parse_export
from bot.services import export, team
from handlers.common import replying_on_failure, services_of, to_respond

log = logging.getLogger("pipeline_coach")
EXPORT_FAILED = (
    "I couldn't upload the CSV to our DM just now. If this keeps happening, an admin may need to reinstall "
    "the app so it has the files:write and im:write permissions."
)


def register(app: App) -> None:
    """Export is a subcommand only (SUBCOMMANDS); the files arrive in the rep's DM."""


def export_files(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    request = parse_export(rest, services.team_today())
    ack(**views.export_started(request.kinds, request.whole_team))
    with replying_on_failure(to_respond(respond)):
        if request.whole_team and not team.is_manager(services, command["user_id"]):
            respond(**views.export_for_managers_only())
            return
        try:
            files = export.deliver_export(services, command["team_id"], command["user_id"], request)
        except SlackApiError as error:
            log.warning("export upload failed: %s", error.response.get("error"))
            respond(**problem(EXPORT_FAILED))
            return
        respond(**views.export_done([(item.filename, item.rows) for item in files]))


SUBCOMMANDS = {"export": export_files}
