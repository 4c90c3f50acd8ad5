"""Small helpers every surface shares: reaching the services, and failing politely after ack."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError

from bot import messages, pipeline
from bot.parsing import ParseError
from bot.services import Services
from storage.opportunities import NotOpen

log = logging.getLogger("pipeline_coach")

SOMETHING_WENT_WRONG = "Something went wrong on my side and nothing was changed. Please try again in a minute."


def services_of(context) -> Services:
    return context["services"]


@contextmanager
def replying_on_failure(send: Callable[[dict], object]) -> Iterator[None]:
    """Work done after ack: a rep's mistake becomes a friendly reply, anything else is logged, never shown."""
    try:
        yield
    except ParseError as mistake:
        _safe_send(send, messages.problem(str(mistake)))
    except NotOpen:
        _safe_send(
            send,
            messages.problem("That opportunity is already closed. `/opportunity list` shows the open ones."),
        )
    except Exception:
        log.exception("request failed after acknowledgement")
        _safe_send(send, messages.problem(SOMETHING_WENT_WRONG))


def _safe_send(send: Callable[[dict], object], payload: dict) -> None:
    try:
        send(payload)
    except Exception:
        log.exception("could not tell the rep about a failure")


def read_json(text: str | None) -> dict:
    """private_metadata and button values come back from Slack; treat them as untrusted."""
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def tell_user(client, user_id: str, channel_id: str | None) -> Callable[[dict], object]:
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


def render_moved(services, moved: pipeline.Moved) -> dict:
    note = moved.celebration.note if moved.celebration else None
    return messages.moved_reply(
        moved.move.opportunity,
        moved.move.from_stage,
        services.team_today(),
        services.settings.currency_symbol,
        note,
    )
