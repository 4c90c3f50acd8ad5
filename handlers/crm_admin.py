"""`/opportunity admin crm`: a workspace admin sees the CRM sync, connects the workspace's own HubSpot or
Salesforce (the buttons open the CRM's consent page; the browser comes back to the bot's
/crm/oauth/callback, bot/server.py), or disconnects it. A non-admin sees none of it."""

from __future__ import annotations

import re

from slack_bolt import Ack, Respond

from bot.messages import admin as admin_views
from bot.messages import crm_connect as views
from bot.services import admin, crm_connect
from handlers.common import ids_of, replying_on_failure, services_of, to_respond
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


def show(respond: Respond, context, team_id: str, user_id: str) -> None:
    """The admin's CRM view (the caller checked that `user_id` is an admin)."""
    respond(**views.crm_view(crm_connect.view(services_of(context), team_id, user_id)))


@listeners.action(re.compile(f"^{views.CONNECT_PREFIX}"))
def link_opened(ack: Ack) -> None:
    """A connect button is a link: the browser does the rest; Slack still tells the app, which says okay."""
    ack()


@listeners.action(views.DISCONNECT)
def disconnect_pressed(ack: Ack, body: dict, respond: Respond, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = ids_of(body)
    with replying_on_failure(to_respond(respond, replace_original=True)):
        if not admin.is_admin(services, team_id, user_id):
            respond(**admin_views.admins_only(), replace_original=True)
            return
        respond(**views.disconnected(crm_connect.disconnect(services, team_id, user_id)), replace_original=True)
