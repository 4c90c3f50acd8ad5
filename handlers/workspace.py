"""The app's lifecycle events: `app_uninstalled` and `tokens_revoked` (bot/services/workspace.py)."""

from __future__ import annotations

from bot.services import workspace
from handlers.common import services_of
from handlers.listeners import Listeners

listeners = Listeners()
register = listeners.register


def _team(body: dict, context) -> str:
    return body.get("team_id") or context.get("team_id") or ""


@listeners.event("app_uninstalled")
def app_uninstalled(body: dict, context) -> None:
    workspace.uninstalled(services_of(context), _team(body, context), "app_uninstalled")


@listeners.event("tokens_revoked")
def tokens_revoked(event: dict, body: dict, context) -> None:
    """Only our bot's token matters; a user revoking their own token changes nothing here."""
    if (event.get("tokens") or {}).get("bot"):
        workspace.uninstalled(services_of(context), _team(body, context), "tokens_revoked")
