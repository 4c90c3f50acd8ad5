"""Forms and buttons: reading what Slack sends back (untrusted), opening a modal, and a submission checked
field by field before anything is stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages.kit import problem
from bot.parsing import FieldErrors
from bot.services import Services
from bot.text import clean
from handlers.common import (
    FORM_FAILED,
    AckOnce,
    Send,
    ids_of,
    refuse,
    replying_on_failure,
    request_key,
    services_of,
    storing_form,
    tell_user,
    to_respond,
)

log = logging.getLogger("pipeline_coach")


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
    except SlackApiError as error:  # Slack's answer (ratelimited, expired_trigger_id …), not a bug: one line
        log.warning("could not open a form: Slack says %s", error.response.get("error") or error.response.status_code)
        return False
    except SlackClientError as error:
        log.warning("could not open a form: %s", error)
        return False
    return True


def form_from_button(
    ack: Callable[..., object],
    body: dict,
    action: dict,
    respond: Callable[..., object],
    client: WebClient,
    context,
    find: Callable[[Services, str, str, Any], Any],
    form_of: Callable[[Services, Any], dict],
    gone: str,
) -> None:
    """A button whose value names a thing (`{"o": id}`) and opens a small form about it: acknowledged at once;
    when the thing is gone, or Slack would not open the form, the rep is told so below the message clicked."""
    ack()
    services = services_of(context)
    team_id, user_id = ids_of(body)
    send = to_respond(respond, replace_original=False)
    with replying_on_failure(send):
        found = find(services, team_id, user_id, read_json(action.get("value")).get("o"))
        if found is None:
            send(problem(gone))
        elif not open_form(client, body.get("trigger_id", ""), form_of(services, found)):
            send(problem(FORM_FAILED))


@dataclass(frozen=True)
class Submission:
    """A submitted form or a clicked button: who sent it, what it carried (a form's private_metadata and, once
    checked, its fields), its request key and where to reply."""

    services: Services
    team_id: str
    user_id: str
    meta: dict
    key: str | None
    send: Send
    fields: Any = None


def submission(body: dict, view: dict, client: WebClient, context, in_channel: bool = True) -> Submission:
    """Read a submitted form; replies go to the channel it was opened from (`in_channel`), else by DM."""
    team_id, user_id = ids_of(body)
    meta = read_json(view.get("private_metadata"))
    send = tell_user(client, user_id, meta.get("channel") if in_channel else None)
    return Submission(services_of(context), team_id, user_id, meta, request_key(body), send)


def checked_submission(
    ack: Callable[..., object],
    body: dict,
    view: dict,
    client: WebClient,
    context,
    parse: Callable[..., Any],
    *args: object,
    in_channel: bool = True,
) -> Submission | None:
    """A submitted form with its fields as `parse(values, today, *args)` reads them, or None when any is
    wrong: each reason then stands beside its field, the modal stays open and nothing is stored."""
    form = submission(body, view, client, context, in_channel)
    try:
        return replace(form, fields=parse(field_values(view), form.services.team_today(), *args))
    except FieldErrors as problems:
        refuse(ack, response_action="errors", errors=problems.errors)
        return None


def storing_submission(
    store: Callable[[Submission, AckOnce], None], parse: Callable[..., Any], *args: object, in_channel: bool = True
):
    """The listener for a modal whose fields `parse` checks before the ack (checked_submission), then
    `store(form, stored)` keeps inside storing_form, calling `stored()` once the entry is in."""

    def submitted(ack: Callable[..., object], body: dict, view: dict, client: WebClient, context) -> None:
        form = checked_submission(ack, body, view, client, context, parse, *args, in_channel=in_channel)
        if form is not None:
            with storing_form(ack, form.send, view) as stored:
                store(form, stored)

    return submitted


@contextmanager
def home_click(ack: Callable[..., object], body: dict, client: WebClient, context) -> Iterator[Submission]:
    """A Home tab button: acknowledged at once and answered by DM (the Home tab has no thread to reply in);
    a failure inside the block becomes a polite reply."""
    ack()
    team_id, user_id = ids_of(body)
    click = Submission(services_of(context), team_id, user_id, {}, request_key(body), tell_user(client, user_id, None))
    with replying_on_failure(click.send):
        yield click
