"""The app's lifecycle events: `app_uninstalled` and `tokens_revoked` (bot/services/workspace.py)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import workspace
from handlers.common import services_of


def register(app: App) -> None:
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)


def _team(body: dict, context) -> str:
    return body.get("team_id") or context.get("team_id") or ""


def app_uninstalled(body: dict, context) -> None:
    workspace.uninstalled(services_of(context), _team(body, context), "app_uninstalled")


def tokens_revoked(event: dict, body: dict, context) -> None:
    """Only our bot's token matters; a user revoking their own token changes nothing here."""
    if (event.get("tokens") or {}).get("bot"):
        workspace.uninstalled(services_of(context), _team(body, context), "tokens_revoked")
