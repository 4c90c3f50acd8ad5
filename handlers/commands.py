"""`/opportunity`: a small dispatch table of subcommands. Parsing happens before ack, work after it."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import messages, pipeline
from bot.opportunity_entry import MAX_REASON, check_optional, parse_new, pick_stage
from bot.parsing import ParseError, suggest
from bot.text import clean
from handlers import activities, coaching, team
from handlers.common import render_moved, replying_on_failure, services_of
from handlers.views import FORM_FAILED, open_new_form

NOTHING_MATCHED = "I couldn't find an open opportunity called “{}”. `/opportunity list` shows yours."


def register(app: App) -> None:
    app.command("/opportunity")(opportunity_command)
    app.command("/prospect")(activities.prospect_command)


def opportunity_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context) -> None:
    services = services_of(context)
    verb, _, rest = " ".join(clean(command.get("text")).split()).partition(" ")
    handler = SUBCOMMANDS.get(verb.lower())
    if handler is None:
        ack(**unknown_subcommand(verb, services.settings.all_stages))
        return
    try:
        handler(ack, command, respond, client, context, rest)
    except ParseError as mistake:
        ack(**messages.problem(str(mistake)))


def unknown_subcommand(verb: str, stages) -> dict:
    guess = closest_subcommand(verb.lower())
    shown = messages.escape(verb[:30])
    lead = f"I don't know `{shown}`." + (f" Did you mean `/opportunity {guess}`?" if guess else "")
    return messages.help_reply(stages, lead)


def closest_subcommand(typed: str) -> str | None:
    """Swapped letters (`lsit`) first, then the nearest spelling."""
    named = [name for name in SUBCOMMANDS if name]
    swapped = [name for name in named if sorted(name) == sorted(typed)]
    return swapped[0] if swapped else suggest(typed, named)


def _send(respond: Respond):
    return lambda payload: respond(**payload)


def new(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    if not rest:
        ack()
        if not open_new_form(client, command["trigger_id"], command.get("channel_id", ""), services.settings):
            respond(**messages.problem(FORM_FAILED))
        return
    draft = parse_new(rest, services.team_today(), services.settings.open_stages)
    ack()
    with replying_on_failure(_send(respond)):
        opened = pipeline.open_opportunity(services, command["team_id"], command["user_id"], draft)
        respond(
            **messages.saved_reply(
                opened.opportunity,
                services.team_today(),
                services.settings.currency_symbol,
                opened.celebration.note,
            )
        )


def listing(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    ack()
    with replying_on_failure(_send(respond)):
        opps, total = pipeline.store.open_opportunities(
            services.db, command["team_id"], command["user_id"], limit=messages.LIST_ROWS
        )
        respond(**messages.opportunity_list(opps, total, services.now(), services.settings.currency_symbol))


def stage(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    words = rest.split()
    if len(words) < 2:
        raise ParseError("Tell me the opportunity and the stage, like `/opportunity stage acme proposal`.")
    target = pick_stage(words[-1], services.settings.all_stages)
    ack()
    change(services, command, respond, " ".join(words[:-1]), "stage", target)


def won(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    if not rest:
        raise ParseError("Which opportunity did you win? Try `/opportunity won acme`.")
    ack()
    change(services_of(context), command, respond, rest, "won", pipeline.WON)


def lost(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    if not rest:
        raise ParseError("Which opportunity was lost? Try `/opportunity lost acme went with a competitor`.")
    ack()
    services = services_of(context)
    with replying_on_failure(_send(respond)):
        lookup, reason = pipeline.find_with_remainder(services, command["team_id"], command["user_id"], rest)
        reason = check_optional(reason, "reason", MAX_REASON)
        finish_change(services, command, respond, lookup, rest, "lost", pipeline.LOST, reason)


def change(services, command, respond: Respond, ref: str, verb: str, target: str) -> None:
    with replying_on_failure(_send(respond)):
        lookup = pipeline.find(services, command["team_id"], command["user_id"], ref)
        finish_change(services, command, respond, lookup, ref, verb, target, None)


def finish_change(services, command, respond: Respond, lookup, typed: str, verb: str, target: str, reason) -> None:
    if lookup.found is None and lookup.candidates:
        argument = (reason or "") if verb == "lost" else target
        respond(**messages.candidates_reply(verb, typed, lookup.candidates, argument))
        return
    if lookup.found is None:
        respond(**messages.problem(NOTHING_MATCHED.format(messages.escape(typed[:40]))))
        return
    moved = pipeline.move(services, command["team_id"], command["user_id"], lookup.found.id, target, reason)
    respond(**render_moved(services, moved))


def show_help(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    ack(**messages.help_reply(services_of(context).settings.all_stages))


SUBCOMMANDS = {
    "": new,
    "new": new,
    "add": new,
    "list": listing,
    "stage": stage,
    "won": won,
    "lost": lost,
    "help": show_help,
    **activities.SUBCOMMANDS,  # prospect, log, undo, quota, health (issue 3)
    "coach": coaching.coach_command,  # the coach's settings (issue 4)
    "reflections": coaching.reflections_command,
    **team.SUBCOMMANDS,  # team, export (issue 5)
}
