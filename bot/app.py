"""Wiring: settings + database + Web API client -> a Bolt App with every surface registered."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services, utc_now
from bot.settings import Settings
from bot.slack_client import make_client
from bot.workers import ListenerPool, answer_budget
from storage.db import Database


def create_services(
    settings: Settings,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    return Services(
        settings=settings,
        db=db or Database(settings.database_url, timeouts=settings.db_timeouts),
        client=client or make_client(settings),
        clock=clock,
    )


def create_app(services: Services, listeners: ListenerPool | None = None) -> App:
    """A Bolt app whose listeners store a rep's entry, then ack, then work (process_before_response stays
    False), on a bounded pool (bot/workers.py) that a shutdown can drain."""
    from bot.services import workspace
    from bot.services.home import republish_later
    from handlers import register_all

    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or None,
        token_verification_enabled=False,
        logger=logging.getLogger("pipeline_coach.bolt"),
        listener_executor=listeners or ListenerPool(services.settings.worker_threads),
    )
    app.middleware(answer_budget)

    @app.middleware
    def provide_services(context, next) -> None:  # noqa: A002 - Bolt's name for the chain
        context["services"] = services
        workspace.heard_from_later(services, context.get("team_id") or "")
        next()

    register_all(app)
    services.on_change = republish_later(services)
    return app
