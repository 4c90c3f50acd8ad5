"""Buttons and menus: the per-row menu in the list, picking among several matches, the 'new' button."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import messages, pipeline
from handlers.common import read_json, render_moved, replying_on_failure, services_of
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


def _send(respond: Respond, replace: bool = False):
    return lambda payload: respond(**payload, replace_original=replace)


def row_menu(ack: Ack, body: dict, action: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id, channel_id = _ids(body)
    verb, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    with replying_on_failure(_send(respond)):
        opp = (
            pipeline.store.get_opportunity(services.db, team_id, user_id, int(raw_id))
            if raw_id.isdigit()
            else None
        )
        if opp is None or opp.status != pipeline.store.OPEN:
            respond(**messages.problem(GONE), replace_original=False)
            return
        form_meta = metadata(channel_id, id=opp.id)
        if verb == "stage":
            view = messages.stage_modal(opp, services.settings.all_stages, form_meta)
        elif verb == "lost":
            view = messages.lost_modal(opp, form_meta)
        elif verb == "won":
            moved = pipeline.move(services, team_id, user_id, opp.id, pipeline.WON)
            respond(**render_moved(services, moved), replace_original=False)
            return
        else:
            return
        if not open_form(client, body.get("trigger_id", ""), view):
            respond(**messages.problem(FORM_FAILED), replace_original=False)


def pick_opportunity(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    """The rep picked one of several matches: finish what they asked for, replacing the question."""
    ack()
    services = services_of(context)
    team_id, user_id, _ = _ids(body)
    choice = read_json(action.get("value"))
    targets = {"won": pipeline.WON, "lost": pipeline.LOST, "stage": choice.get("arg")}
    target = targets.get(choice.get("do"))
    with replying_on_failure(_send(respond, replace=True)):
        opp_id = choice.get("id")
        if target not in services.settings.all_stages or not isinstance(opp_id, int):
            respond(**messages.problem(GONE), replace_original=True)
            return
        reason = (choice.get("arg") or None) if target == pipeline.LOST else None
        moved = pipeline.move(services, team_id, user_id, opp_id, target, reason)
        respond(**render_moved(services, moved), replace_original=True)


def new_button(ack: Ack, body: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    _, _, channel_id = _ids(body)
    if not open_new_form(client, body.get("trigger_id", ""), channel_id, services_of(context).settings):
        respond(**messages.problem(FORM_FAILED), replace_original=False)
