"""The Home tab: published when a rep opens it (handlers/events.py) and after every change they make,
plus the buttons on it."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.home import home_page
from bot.messages import health as health_views
from bot.messages import home as views
from bot.messages import problem
from bot.services import Services
from handlers.common import replying_on_failure, services_of, tell_user
from handlers.views import field_values, metadata, open_form
from storage import opportunities as store

log = logging.getLogger("pipeline_coach")
_publisher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="home")


def register(app: App) -> None:
    app.action(views.LOG_DEAL_TIME)(log_deal_time)
    app.action(views.LOG_PROSPECTING)(log_prospecting)
    app.action(views.COACHING_SETTINGS)(coaching_settings)
    app.view(views.PICK_DEAL_VIEW)(deal_picked)


def publish_home(services: Services, team_id: str, user_id: str) -> None:
    """Render and publish one rep's Home; a failure is logged, never shown to anyone."""
    try:
        page = home_page(services, team_id, user_id)
        view = views.home_view(page, services.now(), services.settings.currency_symbol)
        services.client.views_publish(user_id=user_id, view=view)
    except SlackClientError as error:
        log.warning("could not publish the Home tab for %s: %s", user_id, error)
    except Exception:
        log.exception("could not build the Home tab for %s", user_id)


def republish_later(services: Services):
    """The hook handed to Services.on_change: refresh Home off the request thread."""
    return lambda team_id, user_id: _publisher.submit(publish_home, services, team_id, user_id)


def _team_and_user(body: dict) -> tuple[str, str]:
    user = body.get("user") or {}
    return (body.get("team") or {}).get("id") or user.get("team_id", ""), user.get("id", "")


def log_deal_time(ack: Ack, body: dict, client: WebClient, respond: Respond, context) -> None:
    ack()
    services = services_of(context)
    team_id, user_id = _team_and_user(body)
    opportunities, _ = store.open_opportunities(services.db, team_id, user_id, limit=100)
    if not opportunities:
        tell_user(client, user_id, None)(problem("Open an opportunity first, then log time on it."))
        return
    open_form(client, body.get("trigger_id", ""), views.pick_deal_modal(opportunities, metadata("")))


def deal_picked(ack: Ack, body: dict, view: dict, context) -> None:
    services = services_of(context)
    team_id, user_id = _team_and_user(body)
    chosen = field_values(view).get("deal") or ""
    opp = store.get_opportunity(services.db, team_id, user_id, int(chosen)) if chosen.isdigit() else None
    if opp is None or opp.status != store.OPEN:
        ack(response_action="errors", errors={"deal": "Pick one of your open opportunities."})
        return
    form = health_views.log_time_modal(opp, metadata("", id=opp.id), services.team_today())
    ack(response_action="update", view=form)


def log_prospecting(ack: Ack, body: dict, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    open_form(client, body.get("trigger_id", ""), health_views.prospect_modal(metadata(""), services.team_today()))


def coaching_settings(ack: Ack, body: dict, client: WebClient, context) -> None:
    """The rep's coaching card, sent to our DM (the Home tab has no thread to reply in)."""
    from handlers.coaching import card_for
    from storage import coaching as coaching_store

    ack()
    services = services_of(context)
    team_id, user_id = _team_and_user(body)
    send = tell_user(client, user_id, None)
    with replying_on_failure(send):
        rep = coaching_store.get_rep(services.db, team_id, user_id, services.now())
        send(card_for(services, rep, None))
