"""Selling time in Slack: `/prospect`, `/opportunity log|undo|quota|health`, and their modals.

As everywhere: parse before ack (mistakes go back in the ack), database work after it.
"""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import health, messages, pipeline
from bot.activity_entry import DealLog, parse_log, parse_log_form, parse_prospect, parse_prospect_form, parse_quota
from bot.messages import health as views_of
from bot.opportunity_entry import FieldErrors
from bot.parsing import ParseError
from bot.text import clean
from handlers.common import read_json, replying_on_failure, services_of, tell_user
from handlers.views import field_values, metadata, open_form
from storage import activities as store

PROSPECT_FORM_FAILED = "I couldn't open the form just now. Try quick entry instead: `/prospect 25 calls 2h`."
LOG_FORM_FAILED = "I couldn't open the form just now. Try quick entry instead: `/opportunity log acme 90m`."
NO_SUCH_DEAL = "I couldn't find an open opportunity called “{}”. `/opportunity list` shows yours."
PROSPECT_UNDO = "/prospect undo"
OPPORTUNITY_UNDO = "/opportunity undo"


def register(app: App) -> None:
    """The modals; the `/prospect` command itself is registered with the others in handlers/commands.py."""
    app.view(views_of.PROSPECT_VIEW)(submit_prospect)
    app.view(views_of.LOG_TIME_VIEW)(submit_log_time)


def _send(respond: Respond):
    return lambda payload: respond(**payload)


def _ids(command: dict) -> tuple[str, str]:
    return command["team_id"], command["user_id"]


# ---- /prospect -------------------------------------------------------------------


def prospect_command(ack: Ack, command: dict, respond: Respond, client: WebClient, context) -> None:
    """`/prospect 25 calls 2h`, `/prospect undo`, or `/prospect` alone for the form."""
    rest = " ".join(clean(command.get("text")).split())
    try:
        prospect(ack, command, respond, client, context, rest, undo_hint=PROSPECT_UNDO)
    except ParseError as mistake:
        ack(**messages.problem(str(mistake)))


def prospect(
    ack: Ack, command, respond: Respond, client: WebClient, context, rest: str, undo_hint: str = OPPORTUNITY_UNDO
) -> None:
    """Shared by `/prospect …` and `/opportunity prospect …`."""
    services = services_of(context)
    if rest.lower() == "undo":
        undo(ack, command, respond, client, context, "")
        return
    if not rest:
        ack()
        form = views_of.prospect_modal(metadata(command.get("channel_id", "")), services.team_today())
        if not open_form(client, command["trigger_id"], form):
            respond(**messages.problem(PROSPECT_FORM_FAILED))
        return
    entry = parse_prospect(rest, services.team_today())
    ack()
    team_id, user_id = _ids(command)
    with replying_on_failure(_send(respond)):
        stored = store.log_activity(services.db, team_id, user_id, entry, services.now())
        services.changed(team_id, user_id)
        respond(**views_of.logged_reply(stored, services.team_today(), undo_hint))


# ---- /opportunity subcommands ------------------------------------------------------------


def opportunity_prospect(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    prospect(ack, command, respond, client, context, rest, undo_hint=OPPORTUNITY_UNDO)


def log_time(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity log acme 90m yesterday proposal review`."""
    services = services_of(context)
    entry = parse_log(rest, services.team_today())
    ack()
    team_id, user_id = _ids(command)
    send = _send(respond)
    with replying_on_failure(send):
        lookup = pipeline.find(services, team_id, user_id, entry.reference)
        if lookup.found is None and lookup.candidates:
            respond(**messages.candidates_reply("log", entry.reference, lookup.candidates, encode_log(entry)))
        elif lookup.found is None:
            respond(**messages.problem(NO_SUCH_DEAL.format(messages.escape(entry.reference[:40]))))
        else:
            save_log(services, team_id, user_id, entry, lookup.found.id, send)


def save_log(services, team_id: str, user_id: str, entry: DealLog, opportunity_id: int, send) -> None:
    stored = store.log_activity(services.db, team_id, user_id, entry.activity(opportunity_id), services.now())
    services.changed(team_id, user_id)
    send(views_of.logged_reply(stored, services.team_today(), OPPORTUNITY_UNDO))


def encode_log(entry: DealLog) -> str:
    """What the rep typed, carried on the "which deal?" buttons: minutes|day|note."""
    return f"{entry.minutes}|{entry.occurred_on.isoformat()}|{entry.note or ''}"


def log_picked(services, team_id: str, user_id: str, choice: dict, send) -> None:
    """The rep picked one of several deals for `/opportunity log`: store the time they typed."""
    with replying_on_failure(send):
        minutes, _, rest = str(choice.get("arg") or "").partition("|")
        day, _, note = rest.partition("|")
        opportunity_id = choice.get("id")
        try:
            entry = DealLog("", int(minutes), date.fromisoformat(day), note or None)
        except ValueError:
            raise ParseError("That choice has expired. Type the `/opportunity log …` line again.") from None
        if not isinstance(opportunity_id, int):
            raise ParseError("That choice has expired. Type the `/opportunity log …` line again.")
        save_log(services, team_id, user_id, entry, opportunity_id, send)


def undo(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """Remove the rep's last entry if it was made in the past 10 minutes."""
    if rest:
        raise ParseError("`undo` takes nothing after it: it removes your last entry from the past 10 minutes.")
    ack()
    services = services_of(context)
    team_id, user_id = _ids(command)
    with replying_on_failure(_send(respond)):
        removed = store.undo_last(services.db, team_id, user_id, services.now())
        services.changed(team_id, user_id)
        respond(**views_of.undone_reply(removed, services.team_today()))


def quota(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity quota 250k` sets this period's quota; `/opportunity quota` shows it."""
    services = services_of(context)
    amount = parse_quota(rest) if rest else None
    ack()
    team_id, user_id = _ids(command)
    start, end = health.current_period(services)
    with replying_on_failure(_send(respond)):
        if amount is not None:
            store.set_quota(services.db, team_id, user_id, start, amount, services.now())
            services.changed(team_id, user_id)
        else:
            amount = store.get_quota(services.db, team_id, user_id, start)
        settings = services.settings
        respond(
            **views_of.quota_reply(
                amount, settings.quota_period, start, end, settings.currency_symbol, changed=bool(rest)
            )
        )


def health_report(ack: Ack, command, respond: Respond, client: WebClient, context, rest: str) -> None:
    """`/opportunity health`: the rep's own pipeline at a glance, privately."""
    ack()
    services = services_of(context)
    team_id, user_id = _ids(command)
    with replying_on_failure(_send(respond)):
        report = health.build_health(services, team_id, user_id)
        respond(**views_of.health_reply(report, services.settings.currency_symbol, services.now()))


SUBCOMMANDS = {
    "prospect": opportunity_prospect,
    "log": log_time,
    "undo": undo,
    "quota": quota,
    "health": health_report,
}


# ---- modals -------------------------------------------------------------------------


def submit_prospect(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    try:
        entry = parse_prospect_form(field_values(view), services.team_today())
    except FieldErrors as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    send = tell_user(client, user_id, read_json(view.get("private_metadata")).get("channel"))
    with replying_on_failure(send):
        stored = store.log_activity(services.db, team_id, user_id, entry, services.now())
        services.changed(team_id, user_id)
        send(views_of.logged_reply(stored, services.team_today(), PROSPECT_UNDO))


def submit_log_time(ack: Ack, body: dict, view: dict, client: WebClient, context) -> None:
    services = services_of(context)
    try:
        minutes, day, note = parse_log_form(field_values(view), services.team_today())
    except FieldErrors as problems:
        ack(response_action="errors", errors=problems.errors)
        return
    ack()
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    meta = read_json(view.get("private_metadata"))
    send = tell_user(client, user_id, meta.get("channel"))
    with replying_on_failure(send):
        opportunity_id = meta.get("id")
        if not isinstance(opportunity_id, int):
            raise store.NotOpen(opportunity_id)
        save_log(services, team_id, user_id, DealLog("", minutes, day, note), opportunity_id, send)
