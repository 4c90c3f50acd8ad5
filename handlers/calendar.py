"""`/opportunity calendar`: connect a calendar by its secret address, see what it captured, disconnect.

The address is a secret: it is read once from the command (or the form), handed to
bot/services/calendar.py, and never echoed, logged or kept in a reply.
"""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.integrations.calendar_feed import BadAddress, FeedError
from bot.messages import calendar as views
from bot.messages.kit import problem
from bot.parsing import ParseError
from bot.services import calendar
from handlers import common, submissions
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


def calendar_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    verb, _, address = rest.partition(" ")
    verb = verb.lower()
    services = common.services_of(context)
    if verb in ("", "status"):
        ack()
        with common.replying_on_failure(common.to_respond(respond)):
            found = calendar.status(services, command["team_id"], command["user_id"])
            respond(**views.status_reply(found, services.now()))
    elif verb == "connect":
        connect(ack, command, respond, client, services, address.strip())
    elif verb == "disconnect":
        if address.strip() not in ("", "--forget", "forget"):
            raise ParseError(views.CALENDAR_USAGE)
        ack()
        with common.replying_on_failure(common.to_respond(respond)):
            forget = bool(address.strip())
            gone, erased = calendar.disconnect(services, command["team_id"], command["user_id"], forget)
            respond(**views.disconnected_reply(gone, erased, forget))
    elif verb == "titles" and address.strip().lower() in ("on", "off"):
        ack()
        keep = address.strip().lower() == "on"
        with common.replying_on_failure(common.to_respond(respond)):
            allowed = calendar.keep_titles(services, command["team_id"], command["user_id"], keep)
            respond(**views.titles_reply(allowed, keep))
    else:
        raise ParseError(views.CALENDAR_USAGE)


def connect(ack: Ack, command: dict, respond: Respond, client: WebClient, services, address: str) -> None:
    if not calendar.keeps_secrets(services):
        calendar.log_not_set_up()
        ack(**problem(views.NOT_SET_UP))
        return
    if not address:
        ack()
        form = views.connect_modal(submissions.metadata(command.get("channel_id", "")))
        if not submissions.open_form(client, command["trigger_id"], form):
            respond(**problem(views.FORM_FAILED))
        return
    ack(**views.reading_reply())  # reading a feed can take longer than Slack's 3 seconds
    send = common.to_respond(respond)
    with common.replying_on_failure(send):
        send(_connect(services, command["team_id"], command["user_id"], address))


@listeners.view(views.CONNECT_VIEW)
def submit_connect(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = common.services_of(context)
    address = (submissions.field_values(view).get(views.ADDRESS_BLOCK) or "").strip()
    if not address:
        common.refuse(ack, response_action="errors", errors={views.ADDRESS_BLOCK: views.HOW_TO[:150]})
        return
    ack()
    team_id, user_id = common.ids_of(body)
    send = common.tell_user(client, user_id, submissions.read_json(view.get("private_metadata")).get("channel"))
    with common.replying_on_failure(send):
        send(_connect(services, team_id, user_id, address))


def _connect(services, team_id: str, user_id: str, address: str) -> dict:
    try:
        result = calendar.connect(services, team_id, user_id, address)
    except BadAddress as mistake:
        return problem(str(mistake))
    except FeedError as failure:
        return views.failed_reply(str(failure))
    except calendar.NotSetUp:
        return problem(views.NOT_SET_UP)
    found = calendar.status(services, team_id, user_id)
    host = found.host if found else ""
    return views.connected_reply(host, result.found, result.by_placement or {}, services.settings.calendar_window_days)


@listeners.action(views.FORGET_ACTION)
def forget_clicked(ack: Ack, body: dict, respond: Respond, context) -> None:
    ack()
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    with common.replying_on_failure(common.to_respond(respond, replace_original=True)):
        gone, erased = calendar.disconnect(services, team_id, user_id, forget=True)
        respond(**views.disconnected_reply(gone, erased, True), replace_original=True)


SUBCOMMANDS = {"calendar": calendar_command}


@listeners.action(re.compile(f"^{views.PLACE_ACTION}:"))
def place_clicked(ack: Ack, body: dict, respond: Respond, context) -> None:
    """One tap on a question's button: the meeting (and later ones with those people) goes there."""
    ack()
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    action = (body.get("actions") or [{}])[0]
    chosen = submissions.read_json(action.get("value"))
    label = ((action.get("text") or {}).get("text")) or None
    with common.replying_on_failure(common.to_respond(respond)):
        domains = calendar.place(services, team_id, user_id, chosen.get("m"), chosen.get("p"), chosen.get("o"))
        respond(**views.placed_reply(domains, chosen.get("p"), label), replace_original=False)
