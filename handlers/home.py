"""The Home tab: published when a rep opens it and after every change they make (bot/services/home.py),
and the buttons along its top."""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.messages import coach_settings
from bot.messages import home as views
from bot.messages import selling_time as selling_time_views
from bot.messages.kit import problem
from bot.parsing.coaching import CoachChange
from bot.services import DatabaseUnavailable, coach, home, pipeline
from handlers.common import FORM_FAILED, FORM_NOT_SAVED, ids_of, refuse, services_of
from handlers.listeners import Listeners
from handlers.submissions import field_values, home_click, metadata, open_form

PICKABLE_DEALS = 100  # a static select holds at most 100 options


listeners = Listeners()
register = listeners.register


@listeners.event("app_home_opened")
def home_opened(event: dict, body: dict, context) -> None:
    """Bolt acknowledges events before this runs."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    team_id = body.get("team_id") or context.get("team_id") or ""
    home.publish_home(services_of(context), team_id, event["user"], opened=True)


@listeners.action(views.LOG_DEAL_TIME)
def log_deal_time(ack: Ack, body: dict, client: WebClient, respond: Respond, context) -> None:
    with home_click(ack, body, client, context) as click:
        opportunities, _ = pipeline.list_open(click.services, click.team_id, click.user_id, PICKABLE_DEALS)
        if not opportunities:
            click.send(problem("Open an opportunity first, then log time on it."))
            return
        if not open_form(client, body.get("trigger_id", ""), views.pick_deal_modal(opportunities, metadata(""))):
            click.send(problem(FORM_FAILED))


@listeners.view(views.PICK_DEAL_VIEW)
def deal_picked(ack: Ack, body: dict, view: dict, context) -> None:
    services = services_of(context)
    team_id, user_id = ids_of(body)
    chosen = field_values(view).get("deal") or ""
    try:
        opp = pipeline.get_open(services, team_id, user_id, int(chosen)) if chosen.isdigit() else None
    except DatabaseUnavailable:
        ack(response_action="errors", errors={"deal": FORM_NOT_SAVED})
        return
    if opp is None:
        refuse(ack, response_action="errors", errors={"deal": "Pick one of your open opportunities."})
        return
    form = selling_time_views.log_time_modal(opp, metadata("", id=opp.id), services.team_today())
    ack(response_action="update", view=form)


@listeners.action(views.LOG_PROSPECTING)
def log_prospecting(ack: Ack, body: dict, client: WebClient, context) -> None:
    ack()
    services = services_of(context)
    form = selling_time_views.prospect_modal(metadata(""), services.team_today())
    open_form(client, body.get("trigger_id", ""), form)


@listeners.action(views.COACHING_SETTINGS)
def coaching_settings(ack: Ack, body: dict, client: WebClient, context) -> None:
    """The rep's coaching card, sent to our DM (the Home tab has no thread to reply in)."""
    with home_click(ack, body, client, context) as click:
        found = coach.coach_settings(click.services, click.team_id, click.user_id, CoachChange({}))
        click.send(coach_settings.coach_card(found))
