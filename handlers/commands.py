"""`/opportunity`: one slash command, many subcommands. Each feature's handler module lists its own
(SUBCOMMANDS); this table routes to them and answers an unknown word with "did you mean"."""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.messages import opportunities as views
from bot.messages.kit import problem
from bot.parsing import ParseError
from bot.parsing.tokens import suggest
from bot.text import clean, escape
from handlers import admin, calendar, coaching, export, obstacles, opportunities, selling_time, team
from handlers.common import refuse, services_of
from handlers.listeners import Listeners

SUBCOMMANDS = {
    **opportunities.SUBCOMMANDS,  # new, list, stage, won, lost, help
    **selling_time.SUBCOMMANDS,  # prospect, log, undo, quota, health
    **coaching.SUBCOMMANDS,  # coach, reflections
    **team.SUBCOMMANDS,  # team
    **export.SUBCOMMANDS,  # export
    **obstacles.SUBCOMMANDS,  # obstacle
    **admin.SUBCOMMANDS,  # admin, forget-me
    **calendar.SUBCOMMANDS,  # calendar (connect, disconnect)
}


listeners = Listeners()
register = listeners.register


@listeners.command("/opportunity")
def opportunity_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context) -> None:
    services = services_of(context)
    verb, _, rest = " ".join(clean(command.get("text")).split()).partition(" ")
    handler = SUBCOMMANDS.get(verb.lower())
    if handler is None:
        refuse(ack, **unknown_subcommand(verb, services.settings.all_stages))
        return
    try:
        handler(ack, command, respond, client, context, rest)
    except ParseError as mistake:
        refuse(ack, **problem(str(mistake)))


def unknown_subcommand(verb: str, stages) -> dict:
    guess = closest_subcommand(verb.lower())
    shown = escape(verb[:30])
    lead = f"I don't know `{shown}`." + (f" Did you mean `/opportunity {guess}`?" if guess else "")
    return views.help_reply(stages, lead)


def closest_subcommand(typed: str) -> str | None:
    """Swapped letters (`lsit`) first, then the nearest spelling."""
    named = [name for name in SUBCOMMANDS if name]
    swapped = [name for name in named if sorted(name) == sorted(typed)]
    return swapped[0] if swapped else suggest(typed, named)
