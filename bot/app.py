"""Wiring: settings + database + Web API client -> a Bolt App with every surface registered."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient

from bot import logs, metrics
from bot.services import Services, utc_now
from bot.settings import Settings
from bot.slack_client import make_client
from bot.workers import ListenerPool, answer_budget
from storage.db import Database, DatabaseUnavailable


def create_services(
    settings: Settings,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """The services of one process. Installed by link (SLACK_CLIENT_ID), each workspace's token comes from
    the installation store and the shared client holds none; else every workspace uses SLACK_BOT_TOKEN."""
    db = db or Database(settings.database_url, timeouts=settings.db_timeouts, connections=settings.db_connections)
    installations = None
    if settings.oauth:
        from bot.installations import Installations

        installations = Installations(settings, db)
    return Services(
        settings=settings,
        db=db,
        client=client or make_client(settings),
        clock=clock,
        installations=installations,
    )


def request_context(context, body, next) -> None:  # noqa: A002 - Bolt's name for the chain
    """Global middleware: the request's workspace and id go on every log line it causes, and its surface
    on the numbers it moves (bot/logs.py, bot/metrics.py); Slack's event id, else one of our own. Bolt
    runs middleware one after another, not nested: what is set here holds for the rest of the request
    (its listener's thread gets a copy), and the next request on this thread sets its own."""
    request_id = body.get("event_id") if isinstance(body.get("event_id"), str) else logs.new_id()
    logs.start_request(workspace=context.get("team_id"), request_id=request_id)
    metrics.start_request(metrics.surface_of(body))
    next()


def create_app(services: Services, listeners: ListenerPool | None = None) -> App:
    """A Bolt app whose listeners store a rep's entry, then ack, then work (process_before_response stays
    False), on a bounded pool (bot/workers.py) that a shutdown can drain."""
    from bot import redaction
    from bot.jobs import celebrations
    from bot.services import workspace
    from bot.services.home import republish_later
    from handlers import register_all

    redaction.install()  # no secret reaches a log, whichever library logs it

    oauth = None
    if services.installations is not None:
        oauth = services.installations.oauth_settings()
        services.installations.on_installed = lambda team_id: workspace.installed(services, team_id)
    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or None,
        token_verification_enabled=False,
        oauth_settings=oauth,
        logger=logging.getLogger("pipeline_coach.bolt"),
        listener_executor=listeners or ListenerPool(services.settings.worker_threads),
    )
    app.middleware(request_context)
    app.middleware(answer_budget)

    @app.middleware
    def provide_services(context, next) -> None:  # noqa: A002 - Bolt's name for the chain
        team_id = context.get("team_id") or ""
        workspace.heard_from_later(services, team_id)
        try:
            # This request's workspace: its settings, and the token Bolt authorised it with.
            context["services"] = services.for_team(team_id, client=context.client if oauth else None)
        except DatabaseUnavailable:  # the request itself will say so, truthfully
            context["services"] = services
        next()

    register_all(app)
    services.on_change = republish_later(services)
    metrics.watch(services.db, services.now)  # the outbox and CRM syncs GET /metrics reads
    celebrations.start(services)
    return app
