"""What every surface shares: reaching the services, reading what Slack sent back, opening forms, and
failing politely after ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages.kit import problem
from bot.parsing import ParseError
from bot.services import Services
from bot.services.pipeline import NotOpen
from bot.text import clean

log = logging.getLogger("pipeline_coach")

SOMETHING_WENT_WRONG = "Something went wrong on my side and nothing was changed. Please try again in a minute."
ALREADY_CLOSED = "That opportunity is already closed. `/opportunity list` shows the open ones."
FORM_FAILED = "I couldn't open the form just now. Try again, or use quick entry: `/opportunity new Acme renewal 48k`."

Send = Callable[[dict], object]


def services_of(context) -> Services:
    return context["services"]


def ids_of(body: dict) -> tuple[str, str]:
    """(workspace, user) of a button click, a modal submission or an event."""
    user = body.get("user") or {}
    return (body.get("team") or {}).get("id") or user.get("team_id", ""), user.get("id", "")


@contextmanager
def replying_on_failure(send: Send) -> Iterator[None]:
    """Work done after ack: a rep's mistake becomes a friendly reply, anything else is logged, never shown."""
    try:
        yield
    except ParseError as mistake:
        _safe_send(send, problem(str(mistake)))
    except NotOpen:
        _safe_send(send, problem(ALREADY_CLOSED))
    except Exception:
        log.exception("request failed after acknowledgement")
        _safe_send(send, problem(SOMETHING_WENT_WRONG))


def _safe_send(send: Send, payload: dict) -> None:
    try:
        send(payload)
    except Exception:
        log.exception("could not tell the rep about a failure")


def to_respond(respond: Respond, **options: object) -> Send:
    """Reply through the command's or the click's response_url."""
    return lambda payload: respond(**payload, **options)


def tell_user(client: WebClient, user_id: str, channel_id: str | None) -> Send:
    """Reply privately where the rep was working; if that channel is closed to us, fall back to a DM."""

    def send(payload: dict) -> None:
        text, blocks = payload.get("text", ""), payload.get("blocks")
        if channel_id:
            try:
                client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
                return
            except SlackApiError:
                log.info("ephemeral reply in %s failed; sending a DM instead", channel_id)
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)

    return send


def where_clicked(body: dict, respond: Respond, client: WebClient, replace: bool = False) -> Send:
    """Reply where the click happened: in the message (response_url), or by DM from the Home tab."""
    if body.get("response_url"):
        return to_respond(respond, replace_original=replace)
    return tell_user(client, ids_of(body)[1], None)


def read_json(text: str | None) -> dict:
    """private_metadata and button values come back from Slack; treat them as untrusted."""
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def metadata(channel_id: str, **extra: object) -> str:
    """A form's private_metadata: where to reply, and what the form is about."""
    return json.dumps({"channel": channel_id, **extra})


def field_values(view: dict) -> dict[str, str | None]:
    """Flatten Slack's state.values into {block_id: typed or chosen value}."""
    found: dict[str, str | None] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        for element in (elements or {}).values():
            if not isinstance(element, dict):
                continue
            chosen = element.get("selected_option") or {}
            value = element.get("value") or chosen.get("value") or element.get("selected_date")
            found[block_id] = clean(value) if isinstance(value, str) else None
    return found


def open_form(client: WebClient, trigger_id: str, view: dict) -> bool:
    """Open a modal; False (logged) when Slack would not, so the caller can say so."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackClientError:
        log.warning("could not open a form", exc_info=True)
        return False
    return True
