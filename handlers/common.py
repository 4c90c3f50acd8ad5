"""What every surface shares: reaching the services, acknowledging once, and failing politely after ack
(forms and buttons: handlers/submissions.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.messages.kit import problem
from bot.parsing import ParseError
from bot.services import DatabaseUnavailable, NotStored, Services, Unsure
from bot.services.pipeline import NotOpen

log = logging.getLogger("pipeline_coach")

SOMETHING_WENT_WRONG = "Something went wrong on my side and nothing was changed. Please try again in a minute."
NOT_SAVED = "I couldn't reach the database just now, so nothing was saved. Please try again in a minute."
UNSURE = (
    "The database stopped answering while I was saving this, so I can't tell yet whether it went in. "
    "`/opportunity list` (or `/opportunity health`) will show it in a minute if it did: look there before typing "
    "it again."
)
SAVED_NOT_SHOWN = "Saved. Something went wrong on my side while showing it: Home and `/opportunity list` have it."
FORM_NOT_SAVED = "I couldn't reach the database just now, so nothing was saved. Submit again in a minute."
FORM_UNSURE = "The database stopped answering while I saved this. Submit again in a minute: it won't be saved twice."
ALREADY_CLOSED = "That opportunity is already closed. `/opportunity list` shows the open ones."
FORM_FAILED = "I couldn't open the form just now. Try again, or use quick entry: `/opportunity new Acme renewal 48k`."

Send = Callable[[dict], object]


def services_of(context) -> Services:
    return context["services"]


def request_key(body: dict) -> str | None:
    """What identifies one Slack request, so a replay of it (a double submit, a retried delivery) stores
    nothing twice: a modal's view id and hash, else the trigger id of a command or a click."""
    view = body.get("view") if body.get("type") == "view_submission" else None
    if isinstance(view, dict) and view.get("id"):
        return f"view:{view['id']}:{view.get('hash', '')}"[:100]
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}"[:100] if isinstance(trigger, str) and trigger else None


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
        metrics.request_ended(metrics.REFUSED)
        _safe_send(send, problem(str(mistake)))
    except NotOpen:
        metrics.request_ended(metrics.REFUSED)
        _safe_send(send, problem(ALREADY_CLOSED))
    except (NotStored, DatabaseUnavailable) as error:
        metrics.request_ended(metrics.FAILED)
        reason = str(error) or str(error.__context__ or "")  # NotStored carries the failure it checked
        log.warning("the database is unavailable, nothing was saved: %s", reason)  # an outage: one line
        _safe_send(send, problem(NOT_SAVED))
    except Unsure:
        metrics.request_ended(metrics.FAILED)
        _safe_send(send, problem(UNSURE))
    except Exception:
        metrics.request_ended(metrics.FAILED)
        log.exception("request failed after acknowledgement")
        _safe_send(send, problem(SOMETHING_WENT_WRONG))


def refuse(ack: Callable[..., object], **payload: object) -> None:
    """Acknowledge with a refusal (bad input: what to type instead, or each reason beside its field), nothing
    stored; counted as `refused` for GET /metrics."""
    metrics.request_ended(metrics.REFUSED)
    ack(**payload)


class AckOnce:
    """Slack's ack, called once: by the handler right after its entry is stored (counted then as `stored`,
    or `refused` when it sends a form back with its mistakes), or by `storing` when the attempt ends
    without it (`answer`: the outcome is counted where the failure is read)."""

    def __init__(self, ack: Callable[..., object]) -> None:
        self._ack = ack
        self.done = False

    def __call__(self, **payload: object) -> None:
        if not self.done:
            refused = payload.get("response_action") == "errors"
            metrics.request_ended(metrics.REFUSED if refused else metrics.STORED)
        self.answer(**payload)

    def answer(self, **payload: object) -> None:
        if not self.done:
            self.done = True
            self._ack(**payload)


@contextmanager
def storing(ack: Callable[..., object], send: Send) -> Iterator[AckOnce]:
    """A request that writes: the write happens inside the block, before Slack is acknowledged, and the
    handler calls the yielded ack as soon as the entry is stored. A crash or a failure can then never
    lose an acknowledged entry, and what the rep is told is true: nothing was saved (we checked), we
    can't tell yet, or it was saved and only showing it failed."""
    acked = AckOnce(ack)
    try:
        yield acked
    except Exception as failure:  # noqa: BLE001 - every failure is turned into a true reply
        stored = acked.done
        acked.answer()
        _safe_send(send, problem(_what_happened(failure, stored)))
    finally:
        acked.answer()


def _what_happened(failure: Exception, stored: bool) -> str:
    """What to tell the rep about a failure; one before the entry was stored is counted here."""
    if not stored:
        metrics.request_ended(metrics.REFUSED if isinstance(failure, (ParseError, NotOpen)) else metrics.FAILED)
    if isinstance(failure, ParseError):
        return str(failure)
    if isinstance(failure, NotOpen):
        return ALREADY_CLOSED
    if isinstance(failure, Unsure):
        return UNSURE
    if stored:
        log.exception("request failed after its entry was stored")
        return SAVED_NOT_SHOWN
    if isinstance(failure, (NotStored, DatabaseUnavailable)):
        log.warning("the database is unavailable: %s", failure)
        return NOT_SAVED
    log.exception("request failed before anything was stored")
    return SOMETHING_WENT_WRONG


@contextmanager
def storing_form(ack: Callable[..., object], send: Send, view: dict) -> Iterator[AckOnce]:
    """As `storing`, for a modal: a failure before the entry is stored keeps the modal open with the
    reason beside its first field, so the rep can submit again (a resubmit is never stored twice)."""
    acked = AckOnce(ack)
    try:
        yield acked
    except (NotStored, Unsure, DatabaseUnavailable) as failure:
        if acked.done:
            _safe_send(send, problem(SAVED_NOT_SHOWN))
            return
        metrics.request_ended(metrics.FAILED)
        log.warning("the database is unavailable while a form was submitted: %s", failure)
        reason = FORM_UNSURE if isinstance(failure, Unsure) else FORM_NOT_SAVED
        acked.answer(response_action="errors", errors={_first_field(view): reason})
    except Exception as failure:  # noqa: BLE001 - as in `storing`
        stored = acked.done
        acked.answer()
        _safe_send(send, problem(_what_happened(failure, stored)))
    finally:
        acked.answer()


def _first_field(view: dict) -> str:
    inputs = [block.get("block_id") for block in view.get("blocks") or () if block.get("type") == "input"]
    return next((block_id for block_id in inputs if block_id), "value")


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
