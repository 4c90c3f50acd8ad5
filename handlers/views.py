"""Modal submissions. Field problems go back inside the modal; saving happens after ack."""

from __future__ import annotations

import json

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot import messages, pipeline
from bot.opportunity_entry import MAX_REASON, FieldErrors, check_optional, parse_form, pick_stage
from bot.parsing import ParseError
from bot.settings import Settings
from bot.text import clean
from handlers.common import log, read_json, render_moved, replying_on_failure, services_of, tell_user

FORM_FAILED = "I couldn't open the form just now. Try again, or use quick entry: `/opportunity new Acme renewal 48k`."


def register(app: App) -> None:
    app.view(messages.NEW_VIEW)(submit_new)
    app.view(messages.STAGE_VIEW)(submit_stage)
    app.view(messages.LOST_VIEW)(submit_lost)


def open_new_form(client: WebClient, trigger_id: str, channel_id: str, settings: Settings) -> bool:
    return open_form(client, trigger_id, messages.new_opportunity_modal(settings.open_stages, metadata(channel_id)))


def open_form(client: WebClient, trigger_id: str, view: dict) -> bool:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackClientError:
        log.warning("could not open a form", exc_info=True)
        return False
    return True


def metadata(channel_id: str, **extra: object) -> str:
    return json.dumps({"channel": channel_id, **extra})


def field_values(view: dict) -> dict[str, str | None]:
    """Flatten Slack's state.values into {block_id: typed or chosen value}."""
    found: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in (actions or {}).values():
            if not isinstance(element, dict):
                continue
            chosen = element.get("selected_option") or {}
            value = element.get("value") or chosen.get("value") or element.get("selected_date")
            found[block_id] = clean(value) if isinstance(value, str) else None
    return found


def submit_new(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    try:
        draft = parse_form(field_values(view), services.team_today(), services.settings.open_stages)
    except FieldErrors as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    channel = read_json(view.get("private_metadata")).get("channel")
    send = tell_user(client, user_id, channel)
    with replying_on_failure(send):
        opened = pipeline.open_opportunity(services, team_id, user_id, draft)
        send(
            messages.saved_reply(
                opened.opportunity,
                services.team_today(),
                services.settings.currency_symbol,
                opened.celebration.note,
            )
        )


def submit_stage(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    try:
        target = pick_stage(field_values(view).get("stage") or "", services.settings.all_stages)
    except ParseError as mistake:
        ack(response_action="errors", errors={"stage": str(mistake)})
        return
    finish(ack, body, view, client, context, target, None)


def submit_lost(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    try:
        reason = check_optional(field_values(view).get("reason"), "reason", MAX_REASON)
    except ParseError as mistake:
        ack(response_action="errors", errors={"reason": str(mistake)})
        return
    finish(ack, body, view, client, context, pipeline.LOST, reason)


def finish(ack: Ack, body: dict, view: dict, client: WebClient, context, target: str, reason: str | None) -> None:
    ack()
    services = services_of(context)
    meta = read_json(view.get("private_metadata"))
    send = tell_user(client, body["user"]["id"], meta.get("channel"))
    with replying_on_failure(send):
        opportunity_id = int(meta.get("id", 0))
        moved = pipeline.move(services, body["team"]["id"], body["user"]["id"], opportunity_id, target, reason)
        send(render_moved(services, moved))
