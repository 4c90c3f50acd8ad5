"""`/opportunity admin` (a workspace admin's settings modal; `admin forget @someone` for a person who has
left) and `/opportunity forget-me` (a rep erases their own data, after a confirm step that offers an
export first). A non-admin sees none of the admin side."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.messages import admin as views
from bot.messages import home as home_views
from bot.messages import team as team_views
from bot.messages.kit import problem
from bot.parsing.admin import FormErrors, read_admin_form
from bot.parsing.export import parse_export
from bot.services import admin, erase, export
from bot.services.workspace_settings import InvalidSettings
from handlers import crm_admin
from handlers.common import (
    FORM_FAILED,
    ids_of,
    refuse,
    replying_on_failure,
    services_of,
    storing_form,
    tell_user,
    to_respond,
)
from handlers.listeners import Listeners
from handlers.submissions import home_click, open_form, read_json

log = logging.getLogger("pipeline_coach")
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
ADMIN_USAGE = (
    "Try `/opportunity admin` for this workspace's settings, `/opportunity admin forget`, "
    "or `/opportunity admin crm` for the CRM sync."
)

listeners = Listeners()
register = listeners.register


def admin_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = command.get("team_id", ""), command.get("user_id", "")
    with replying_on_failure(to_respond(respond)):
        if not admin.is_admin(services, team_id, user_id):
            respond(**views.admins_only())
            return
        words = rest.split()
        if not words:
            if not open_form(client, command.get("trigger_id", ""), settings_modal(services)):
                respond(**problem(FORM_FAILED))
            return
        if words[0].lower() == "crm" and len(words) == 1:
            crm_admin.show(respond, context, team_id, user_id)
            return
        if words[0].lower() != "forget" or len(words) > 2:
            respond(**problem(ADMIN_USAGE))
            return
        found = MENTION.match(words[-1]) if len(words) == 2 else None  # an escaped <@U…> mention, if sent
        respond(**(views.forget_someone_offer(found.group(1)) if found else views.forget_whom()))


@listeners.action(views.FORGET_PICK)
def forget_picked(ack: Ack, body: dict, action: dict, respond: Respond, context) -> None:
    """An admin picked the person to erase: ask to confirm."""
    ack()
    services = services_of(context)
    team_id, user_id = ids_of(body)
    picked = str(action.get("selected_user") or "")
    with replying_on_failure(to_respond(respond, replace_original=True)):
        if not admin.is_admin(services, team_id, user_id) or not MENTION.match(f"<@{picked}>"):
            respond(**views.admins_only(), replace_original=True)
            return
        respond(**views.forget_someone_offer(picked), replace_original=True)


def settings_modal(services) -> dict:
    groups = [(group.id, group.name) for group in admin.user_groups(services)]
    return views.admin_modal(services.settings, groups, "{}")


@listeners.action(home_views.WORKSPACE_SETTINGS)
def settings_from_home(ack: Ack, body: dict, client: WebClient, context) -> None:
    """The Home tab's button (shown to admins only; checked again here)."""
    with home_click(ack, body, client, context) as click:
        if not admin.is_admin(click.services, click.team_id, click.user_id):
            click.send(views.admins_only())
        elif not open_form(client, body.get("trigger_id", ""), settings_modal(click.services)):
            click.send(problem(FORM_FAILED))


def forget_me(ack: Ack, command: dict, respond: Respond, client: WebClient, context, rest: str) -> None:
    ack(**views.forget_offer())


@listeners.view(views.ADMIN_VIEW)
def settings_saved(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    team_id, user_id = ids_of(body)
    send = tell_user(client, user_id, None)
    try:
        changes = read_admin_form(picked_values(view))
    except FormErrors as mistakes:
        refuse(ack, response_action="errors", errors=mistakes.problems)
        return
    with storing_form(ack, send, view) as acked:
        if not admin.is_admin(services, team_id, user_id):
            acked()
            send(views.admins_only())
            return
        try:
            saved = admin.save(services, team_id, user_id, changes)
        except InvalidSettings as mistakes:
            acked(response_action="errors", errors=_on_fields(mistakes.problems, view))
            return
        acked()
        note = admin.join_channel(services, saved.new_channel)
        text, blocks = views.saved_reply(saved.settings, note)
        send({"text": text, "blocks": blocks})


@listeners.action(views.FORGET_CONFIRMED)
def forget_confirmed(ack: Ack, body: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = ids_of(body)
    actions = body.get("actions") or [{}]
    whose = str(read_json(actions[0].get("value")).get("user") or "self")
    with replying_on_failure(to_respond(respond, replace_original=True)):
        someone_else = whose != "self"
        if someone_else and (not admin.is_admin(services, team_id, user_id) or not MENTION.match(f"<@{whose}>")):
            respond(**views.admins_only(), replace_original=True)
            return
        target = user_id if whose == "self" else whose
        counts = erase.forget_person(services, team_id, target)
        respond(**views.forgotten_reply(counts, "your" if whose == "self" else f"<@{target}>'s"), replace_original=True)


@listeners.action(views.FORGET_EXPORT)
def forget_export(ack: Ack, body: dict, respond: Respond, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = ids_of(body)
    with replying_on_failure(to_respond(respond)):
        try:
            files = export.deliver_export(services, team_id, user_id, parse_export("all", services.team_today()))
        except SlackClientError as error:
            log.warning("export before erase failed: %s", error)
            respond(**problem("I couldn't upload your export just now. Try again in a minute."))
            return
        respond(**team_views.export_done([(item.filename, item.rows) for item in files]))


def picked_values(view: dict) -> dict[str, object]:
    """Flatten the modal's state: typed text, a picked option, a picked channel, picked people."""
    found: dict[str, object] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        for element in (elements or {}).values():
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind == "conversations_select":
                found[block_id] = element.get("selected_conversation")
            elif kind == "multi_users_select":
                found[block_id] = [str(user) for user in element.get("selected_users") or []]
            elif kind == "static_select":
                found[block_id] = (element.get("selected_option") or {}).get("value")
            else:
                found[block_id] = element.get("value")
    return found


def _on_fields(problems: dict[str, str], view: dict) -> dict[str, str]:
    """Each problem beside its own field (a problem with no field of its own goes beside the first)."""
    blocks = {block.get("block_id") for block in view.get("blocks") or () if block.get("type") == "input"}
    placed: dict[str, str] = {}
    for name, message in problems.items():
        where = name if name in blocks else "team_timezone"
        placed[where] = (placed.get(where, "") + " " + message).strip()[:150]
    return placed


SUBCOMMANDS = {"admin": admin_command, "forget-me": forget_me}
