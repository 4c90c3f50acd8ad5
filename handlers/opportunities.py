"""Opportunities in Slack: `/opportunity new|list|stage|won|lost|help`, the list's row menu, the "which
one did you mean?" buttons, and the opportunity forms. Parse before ack (mistakes go back in the ack),
then one call into bot/services/pipeline.py, then the reply from bot/messages/opportunities.py."""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.messages import opportunities as views
from bot.messages import opportunity_forms as form_views
from bot.messages.kit import problem
from bot.messages.selling_time import log_time_modal
from bot.parsing import ParseError
from bot.parsing.opportunities import MAX_REASON, check_optional, parse_form, parse_new, pick_stage
from bot.services import obstacles, pipeline
from bot.text import clip
from handlers.common import (
    FORM_FAILED,
    ids_of,
    refuse,
    replying_on_failure,
    request_key,
    services_of,
    storing,
    storing_form,
    to_respond,
    where_clicked,
)
from handlers.listeners import Listeners
from handlers.obstacles import obstacle_form, obstacle_picked
from handlers.selling_time import log_picked
from handlers.submissions import checked_submission, field_values, metadata, open_form, read_json, submission

listeners = Listeners()
register = listeners.register


def render_moved(services, moved: pipeline.Moved) -> dict:
    """After the ack: confirm (the win's celebration was planned with it)."""
    note = pipeline.celebration_note(services, moved.won) if moved.new else views.ALREADY_DONE
    opp = moved.move.opportunity
    return views.moved_reply(opp, moved.move.from_stage, services.team_today(), services.settings.currency_symbol, note)


def render_opened(services, opened: pipeline.Opened) -> dict:
    """After the ack: confirm (the opening's celebration was planned with it)."""
    note = pipeline.celebration_note(services, True) if opened.new else views.ALREADY_DONE
    today, symbol = services.team_today(), services.settings.currency_symbol
    return views.saved_reply(opened.opportunity, today, symbol, note)


def open_new_form(client: WebClient, trigger_id: str, channel_id: str, services) -> bool:
    return open_form(
        client, trigger_id, form_views.new_opportunity_modal(services.settings.open_stages, metadata(channel_id))
    )


# ---- /opportunity subcommands -----------------------------------------------------------


def new(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    if not rest:
        ack()
        if not open_new_form(client, command["trigger_id"], command.get("channel_id", ""), services):
            respond(**problem(FORM_FAILED))
        return
    draft = parse_new(rest, services.team_today(), services.settings.open_stages)
    with storing(ack, to_respond(respond)) as stored:
        opened = pipeline.open_opportunity(
            services, command["team_id"], command["user_id"], draft, request_key(command)
        )
        stored()
        respond(**render_opened(services, opened))


def listing(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    ack()
    with replying_on_failure(to_respond(respond)):
        opps, total, found = obstacles.list_open(services, command["team_id"], command["user_id"], views.LIST_ROWS)
        respond(**views.opportunity_list(opps, total, services.team_now(), services.settings.currency_symbol, found))


def stage(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    services = services_of(context)
    words = rest.split()
    if len(words) < 2:
        raise ParseError("Tell me the opportunity and the stage, like `/opportunity stage acme proposal`.")
    target = pick_stage(words[-1], services.settings.all_stages)
    with storing(ack, to_respond(respond)) as stored:
        ref = " ".join(words[:-1])
        lookup = pipeline.find(services, command["team_id"], command["user_id"], ref)
        finish_change(services, command, respond, stored, lookup, ref, "stage", target, None)


def won(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    if not rest:
        raise ParseError("Which opportunity did you win? Try `/opportunity won acme`.")
    close(ack, command, respond, context, rest, "won")


def lost(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    if not rest:
        raise ParseError("Which opportunity was lost? Try `/opportunity lost acme went with a competitor`.")
    close(ack, command, respond, context, rest, "lost")


def close(ack: Ack, command, respond: Respond, context, rest: str, verb: str) -> None:
    """`won acme` names a deal; `lost acme renewal went quiet` names one and keeps the rest as the reason."""
    services = services_of(context)
    team_id, user_id = command["team_id"], command["user_id"]
    with storing(ack, to_respond(respond)) as stored:
        if verb == "won":
            lookup, reason = pipeline.find(services, team_id, user_id, rest), None
        else:
            lookup, remainder = pipeline.find_with_remainder(services, team_id, user_id, rest)
            reason = check_optional(remainder, "reason", MAX_REASON)
        target = pipeline.WON if verb == "won" else pipeline.LOST
        finish_change(services, command, respond, stored, lookup, rest, verb, target, reason)


def finish_change(
    services, command, respond: Respond, stored, lookup, typed: str, verb: str, target: str, reason
) -> None:
    """Move the one deal that matched (acknowledging once it is stored), or ask which one, or say none did."""
    if lookup.found is None:
        stored()
        if lookup.candidates:
            argument = (reason or "") if verb == "lost" else target
            respond(**views.candidates_reply(verb, typed, lookup.candidates, argument))
        else:
            respond(**views.nothing_matched(typed))
        return
    team_id, user_id = command["team_id"], command["user_id"]
    moved = pipeline.move(services, team_id, user_id, lookup.found.id, target, reason, request_key(command))
    stored()
    respond(**render_moved(services, moved))


def show_help(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    ack(**views.help_reply(services_of(context).settings.all_stages))


SUBCOMMANDS = {
    "": new,
    "new": new,
    "add": new,
    "list": listing,
    "stage": stage,
    "won": won,
    "lost": lost,
    "help": show_help,
}


# ---- buttons and menus -------------------------------------------------------------------


@listeners.action(views.ROW_MENU)
def row_menu(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    services = services_of(context)
    team_id, user_id = ids_of(body)
    channel_id = (body.get("channel") or {}).get("id", "")
    verb, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    send = where_clicked(body, respond, client)
    with storing(ack, send) as stored:
        opp = pipeline.get_open(services, team_id, user_id, int(raw_id)) if raw_id.isdigit() else None
        if opp is not None and verb == "won":  # the one item that writes: stored before the click is acked
            moved = pipeline.move(services, team_id, user_id, opp.id, pipeline.WON, key=request_key(body))
            stored()
            send(render_moved(services, moved))
            return
        stored()
        if opp is None:
            send(problem(views.DEAL_GONE))
            return
        form_meta = metadata(channel_id, id=opp.id)
        forms = {
            "stage": lambda: form_views.stage_modal(opp, services.settings.all_stages, form_meta),
            "lost": lambda: form_views.lost_modal(opp, form_meta),
            "log": lambda: log_time_modal(opp, form_meta, services.team_today()),
            "obstacle": lambda: obstacle_form(services, team_id, user_id, opp, form_meta),
        }
        if verb in forms and not open_form(client, body.get("trigger_id", ""), forms[verb]()):
            send(problem(FORM_FAILED))


@listeners.action(re.compile(rf"^{views.PICK_OPPORTUNITY}_\d+$"))
def pick_opportunity(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """The rep picked one of several matches: finish what they asked for, replacing the question."""
    services = services_of(context)
    team_id, user_id = ids_of(body)
    choice = read_json(action.get("value"))
    send = where_clicked(body, respond, client, replace=True)
    if choice.get("do") == "log":  # `/opportunity log acme 90m` matched several deals
        log_picked(ack, services, body, choice, send)
        return
    if choice.get("do") == "obstacle":  # `/opportunity obstacle acme budget` matched several deals
        obstacle_picked(ack, services, team_id, user_id, choice, send)
        return
    targets = {"won": pipeline.WON, "lost": pipeline.LOST, "stage": choice.get("arg")}
    target = targets.get(choice.get("do"))
    with storing(ack, send) as stored:
        opp_id = choice.get("id")
        if target not in services.settings.all_stages or not isinstance(opp_id, int):
            stored()
            send(problem(views.DEAL_GONE))
            return
        argument = choice.get("arg")
        reason = clip(argument, MAX_REASON) if target == pipeline.LOST and isinstance(argument, str) else None
        moved = pipeline.move(services, team_id, user_id, opp_id, target, reason or None, request_key(body))
        stored()
        send(render_moved(services, moved))


@listeners.action(views.OPEN_NEW_MODAL)
def new_button(ack: Ack, body: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    channel_id = (body.get("channel") or {}).get("id", "")
    if not open_new_form(client, body.get("trigger_id", ""), channel_id, services_of(context)):
        where_clicked(body, respond, client)(problem(FORM_FAILED))


# ---- forms ---------------------------------------------------------------------------------


@listeners.view(form_views.NEW_VIEW)
def submit_new(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    stages = services_of(context).settings.open_stages
    form = checked_submission(ack, body, view, client, context, parse_form, stages)
    if form is None:
        return
    with storing_form(ack, form.send, view) as stored:
        opened = pipeline.open_opportunity(form.services, form.team_id, form.user_id, form.fields, form.key)
        stored()
        form.send(render_opened(form.services, opened))


@listeners.view(form_views.STAGE_VIEW)
def submit_stage(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    try:
        target = pick_stage(field_values(view).get("stage") or "", services.settings.all_stages)
    except ParseError as mistake:
        refuse(ack, response_action="errors", errors={"stage": str(mistake)})
        return
    finish_form(ack, body, view, client, context, target, None)


@listeners.view(form_views.LOST_VIEW)
def submit_lost(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    try:
        reason = check_optional(field_values(view).get("reason"), "reason", MAX_REASON)
    except ParseError as mistake:
        refuse(ack, response_action="errors", errors={"reason": str(mistake)})
        return
    finish_form(ack, body, view, client, context, pipeline.LOST, reason)


def finish_form(ack: Ack, body: dict, view: dict, client: WebClient, context, target: str, reason) -> None:
    form = submission(body, view, client, context)
    services = form.services
    with storing_form(ack, form.send, view) as stored:
        opportunity_id = form.meta.get("id") if isinstance(form.meta.get("id"), int) else 0
        moved = pipeline.move(services, form.team_id, form.user_id, opportunity_id, target, reason, form.key)
        stored()
        form.send(render_moved(services, moved))
