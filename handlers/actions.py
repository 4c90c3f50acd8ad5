"""Buttons and menus: the per-row menu in the list, picking among several matches, the 'new' button."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import messages, pipeline
from bot.messages.health import log_time_modal
from bot.opportunity_entry import MAX_REASON
from bot.text import clip
from handlers.activities import log_picked
from handlers.common import read_json, render_moved, replying_on_failure, services_of, tell_user
from handlers.views import FORM_FAILED, metadata, open_form, open_new_form

GONE = "That opportunity is closed or no longer yours to change. `/opportunity list` shows the open ones."


def register(app: App) -> None:
    app.action(messages.ROW_MENU)(row_menu)
    app.action(re.compile(rf"^{messages.PICK_OPPORTUNITY}_\d+$"))(pick_opportunity)
    app.action(messages.OPEN_NEW_MODAL)(new_button)


def _ids(body: dict) -> tuple[str, str, str]:
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
    channel = (body.get("channel") or {}).get("id", "")
    return team, body["user"]["id"], channel


def _send(body: dict, respond: Respond, client: WebClient, replace: bool = False):
    """Reply where the click happened: in the message (response_url), or by DM from the Home tab."""
    if body.get("response_url"):
        return lambda payload: respond(**payload, replace_original=replace)
    return tell_user(client, body["user"]["id"], None)


def row_menu(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, channel_id = _ids(body)
    verb, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    send = _send(body, respond, client)
    with replying_on_failure(send):
        opp = pipeline.store.get_opportunity(services.db, team_id, user_id, int(raw_id)) if raw_id.isdigit() else None
        if opp is None or opp.status != pipeline.store.OPEN:
            send(messages.problem(GONE))
            return
        form_meta = metadata(channel_id, id=opp.id)
        if verb == "stage":
            view = messages.stage_modal(opp, services.settings.all_stages, form_meta)
        elif verb == "lost":
            view = messages.lost_modal(opp, form_meta)
        elif verb == "log":
            view = log_time_modal(opp, form_meta, services.team_today())
        elif verb == "won":
            moved = pipeline.move(services, team_id, user_id, opp.id, pipeline.WON)
            send(render_moved(services, moved))
            return
        else:
            return
        if not open_form(client, body.get("trigger_id", ""), view):
            send(messages.problem(FORM_FAILED))


def pick_opportunity(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    """The rep picked one of several matches: finish what they asked for, replacing the question."""
    ack()
    services = services_of(context)
    team_id, user_id, _ = _ids(body)
    choice = read_json(action.get("value"))
    send = _send(body, respond, client, replace=True)
    if choice.get("do") == "log":  # `/opportunity log acme 90m` matched several deals
        log_picked(services, team_id, user_id, choice, send)
        return
    targets = {"won": pipeline.WON, "lost": pipeline.LOST, "stage": choice.get("arg")}
    target = targets.get(choice.get("do"))
    with replying_on_failure(send):
        opp_id = choice.get("id")
        if target not in services.settings.all_stages or not isinstance(opp_id, int):
            send(messages.problem(GONE))
            return
        argument = choice.get("arg")
        reason = clip(argument, MAX_REASON) if target == pipeline.LOST and isinstance(argument, str) else None
        moved = pipeline.move(services, team_id, user_id, opp_id, target, reason or None)
        send(render_moved(services, moved))


def new_button(ack: Ack, body: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    _, _, channel_id = _ids(body)
    if not open_new_form(client, body.get("trigger_id", ""), channel_id, services_of(context).settings):
        _send(body, respond, client)(messages.problem(FORM_FAILED))
