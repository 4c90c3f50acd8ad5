"""Slack's user_change event: a person's profile changed (time zone, deactivation). Bolt acknowledges
events before this runs; the service caches what changed."""

from __future__ import annotations

from bot.services import people
from handlers.common import services_of
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


@listeners.event("user_change")
def user_changed(event: dict, body: dict, context) -> None:
    user = event.get("user")
    if not isinstance(user, dict):
        return
    team_id = body.get("team_id") or context.get("team_id") or ""
    people.user_changed(services_of(context), team_id, user)
