"""Events API: the Home tab opened. Bolt acknowledges events before these run."""

from __future__ import annotations

from slack_bolt import App

from handlers.common import services_of
from handlers.home import publish_home


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(event: dict, body: dict, context) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    team_id = body.get("team_id") or context.get("team_id") or ""
    publish_home(services_of(context), team_id, event["user"])
