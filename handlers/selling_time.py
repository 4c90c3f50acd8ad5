"""Selling time in Slack: `/prospect`, `/opportunity prospect|log|undo|quota|health`, and their forms.

As everywhere: parse before ack (mistakes go back in the ack), then one call into
bot/services/selling_time.py (or health.py), then the reply from bot/messages/selling_time.py.
"""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.messages import health as health_views
from bot.messages import opportunities as opportunity_views
from bot.messages import selling_time as views
from bot.messages.kit import problem
from bot.parsing import ParseError
from bot.parsing.selling_time import (
    DealLog,
    carry_log,
    parse_log,
    parse_log_form,
    parse_prospect,
    parse_prospect_form,
    parse_quota,
)
from bot.services import charts, health, outlook, selling_time
from bot.text import clean, escape
from handlers import common, submissions
from handlers.listeners import Listeners

PROSPECT_FORM_FAILED = "I couldn't open the form just now. Try quick entry instead: `/prospect 25 calls 2h`."
NO_SUCH_DEAL = "I couldn't find an open opportunity called “{}”. `/opportunity list` shows yours."


listeners = Listeners()
register = listeners.register


# ---- /prospect and /opportunity prospect ----------------------------------------------------


@listeners.command("/prospect")
def prospect_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context) -> None:
    """`/prospect 25 calls 2h`, `/prospect undo`, or `/prospect` alone for the form."""
    rest = " ".join(clean(command.get("text")).split())
    try:
        prospect(ack, command, respond, client, context, rest, undo_hint=views.PROSPECT_UNDO)
    except ParseError as mistake:
        common.refuse(ack, **problem(str(mistake)))


def prospect(
    ack: Ack, command, respond: Respond, client: WebClient, context, rest: str, undo_hint: str = views.OPPORTUNITY_UNDO
) -> None:
    """Shared by `/prospect …` and `/opportunity prospect …`."""
    services = common.services_of(context)
    if rest.lower() == "undo":
        undo(ack, command, respond, client, context, "")
        return
    if not rest:
        ack()
        form = views.prospect_modal(submissions.metadata(command.get("channel_id", "")), services.team_today())
        if not submissions.open_form(client, command["trigger_id"], form):
            respond(**problem(PROSPECT_FORM_FAILED))
        return
    entry = parse_prospect(rest, services.team_today())
    with common.storing(ack, common.to_respond(respond)) as stored:
        key = common.request_key(command)
        logged = selling_time.log_prospecting(services, command["team_id"], command["user_id"], entry, key)
        stored()
        respond(**views.logged_reply(logged, services.team_today(), undo_hint))


def opportunity_prospect(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    prospect(ack, command, respond, client, context, rest, undo_hint=views.OPPORTUNITY_UNDO)


# ---- /opportunity log|undo|quota|health ------------------------------------------------------


def log_time(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity log acme 90m yesterday proposal review`."""
    services = common.services_of(context)
    entry = parse_log(rest, services.team_today())
    with common.storing(ack, common.to_respond(respond)) as stored:
        key = common.request_key(command)
        found = selling_time.log_deal_time_by_name(services, command["team_id"], command["user_id"], entry, key)
        stored()
        if found.stored is not None:
            respond(**views.logged_reply(found.stored, services.team_today(), views.OPPORTUNITY_UNDO, found.overlap))
        elif found.candidates:
            respond(**opportunity_views.candidates_reply("log", entry.reference, found.candidates, carry_log(entry)))
        else:
            respond(**problem(NO_SUCH_DEAL.format(escape(entry.reference[:40]))))


def log_picked(ack: Ack, services, body: dict, choice: dict, send: common.Send) -> None:
    """The rep picked one of several deals for `/opportunity log` (see handlers/opportunities.py)."""
    team_id, user_id = common.ids_of(body)
    with common.storing(ack, send) as stored:
        key = common.request_key(body)
        logged = selling_time.log_picked_deal(services, team_id, user_id, choice.get("arg"), choice.get("id"), key)
        stored()
        send(views.logged_reply(logged, services.team_today(), views.OPPORTUNITY_UNDO))


def undo(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """Remove the rep's last entry if it was made in the past few minutes."""
    if rest:
        raise ParseError(
            f"`undo` takes nothing after it: it removes your last entry from the past {views.UNDO_MINUTES} minutes."
        )
    services = common.services_of(context)
    with common.storing(ack, common.to_respond(respond)) as stored:
        key = common.request_key(command)
        removed = selling_time.undo_last(services, command["team_id"], command["user_id"], key)
        stored()
        respond(**views.undone_reply(removed, services.team_today()))


def quota(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity quota 250k` sets this period's quota; `/opportunity quota` shows it."""
    services = common.services_of(context)
    amount = parse_quota(rest) if rest else None
    with common.storing(ack, common.to_respond(respond)) as stored:
        found = selling_time.quota(services, command["team_id"], command["user_id"], amount)
        stored()
        symbol = services.settings.currency_symbol
        respond(**views.quota_reply(found.amount, found.period, found.start, found.end, symbol, changed=bool(rest)))


def health_report(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity health`: the rep's own pipeline at a glance, privately."""
    ack()
    services = common.services_of(context)
    with common.replying_on_failure(common.to_respond(respond)):
        report = health.build_health(services, command["team_id"], command["user_id"])
        ahead = outlook.rep_outlook(services, command["team_id"], command["user_id"], report)
        respond(**health_views.health_reply(report, services.settings.currency_symbol, services.team_now(), ahead))


@listeners.action(health_views.SHOW_PICTURE)
def show_picture(ack: Ack, body: dict, respond: Respond, context) -> None:
    """The health report's "Show as a picture": acknowledged at once, then drawn and shared in the DM."""
    ack()
    services = common.services_of(context)
    team_id, user_id = common.ids_of(body)
    send = common.to_respond(respond, replace_original=False)
    with common.replying_on_failure(send):
        outcome = charts.send_health_picture(services, team_id, user_id, common.request_key(body))
        send(health_views.picture_reply(outcome))


SUBCOMMANDS = {
    "prospect": opportunity_prospect,
    "log": log_time,
    "undo": undo,
    "quota": quota,
    "health": health_report,
}


# ---- forms ----------------------------------------------------------------------------------


@listeners.form(views.PROSPECT_VIEW, parse_prospect_form)
def submit_prospect(form: submissions.Submission, stored: common.AckOnce) -> None:
    logged = selling_time.log_prospecting(form.services, form.team_id, form.user_id, form.fields, form.key)
    stored()
    form.send(views.logged_reply(logged, form.services.team_today(), views.PROSPECT_UNDO))


@listeners.form(views.LOG_TIME_VIEW, parse_log_form)
def submit_log_time(form: submissions.Submission, stored: common.AckOnce) -> None:
    entry = DealLog("", *form.fields)
    services = form.services
    logged = selling_time.log_deal_time(services, form.team_id, form.user_id, entry, form.meta.get("id"), form.key)
    stored()
    form.send(views.logged_reply(logged, services.team_today(), views.OPPORTUNITY_UNDO))
