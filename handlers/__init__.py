"""Slack surfaces. Each module parses requests, calls bot/ and storage/, renders with bot.messages."""

from slack_bolt import App

from handlers import actions, activities, coaching, commands, events, home, views


def register_all(app: App) -> None:
    for surface in (commands, actions, views, events, home, activities, coaching):
        surface.register(app)
