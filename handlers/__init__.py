"""Slack surfaces, one module per feature. Each parses a request, calls one domain service in
bot/services/, and renders the reply with bot/messages/; none touches storage or the jobs."""

from slack_bolt import App

from handlers import (
    admin,
    calendar,
    coaching,
    commands,
    crm_admin,
    export,
    home,
    obstacles,
    opportunities,
    people,
    selling_time,
    team,
    workspace,
)

FEATURES = (
    commands, opportunities, selling_time, coaching, home, team, export, obstacles, people, workspace, admin, calendar,
    crm_admin,
)  # fmt: skip


def register_all(app: App) -> None:
    for feature in FEATURES:
        feature.register(app)
