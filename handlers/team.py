"""`/opportunity team`: the manager view (bot/services/team.py); everyone else gets a polite no."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.messages import team as views
from bot.messages.kit import problem
from bot.services import team
from handlers.common import replying_on_failure, services_of, to_respond


def register(app: App) -> None:
    """The team view is a subcommand only (SUBCOMMANDS); it has no buttons or forms of its own."""


def team_view(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    """Managers see every rep's creation, pipeline and coverage; reflection answers never appear."""
    ack()
    services = services_of(context)
    with replying_on_failure(to_respond(respond)):
        if not team.is_manager(services, command["user_id"]):
            respond(**problem(views.NOT_A_MANAGER))
            return
        found = team.team_view(services, command["team_id"])
        symbol, today = services.settings.currency_symbol, services.team_today()
        respond(**views.team_reply(found.rows, found.coverage, symbol, found.creation, today))


SUBCOMMANDS = {"team": team_view}
