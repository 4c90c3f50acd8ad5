"""Announcing new opportunities and wins in the team channel, and saying plainly when that can't happen."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import opportunities as messages
from bot.services import Services
from bot.text import escape
from storage import opportunities as store
from storage import records

log = logging.getLogger(__name__)

INVITE = "`/invite @Pipeline Coach`"


@dataclass(frozen=True)
class Celebration:
    posted: bool
    note: str | None = None


def celebrate(services: Services, opp: records.OpportunityView, kind: str) -> Celebration:
    """Post the news; the deal is already saved, so a failed post only earns the rep a one-line fix."""
    settings = services.settings
    channel = settings.celebration_channel
    if not channel:
        return Celebration(
            False,
            (
                "Celebrations are off: a workspace admin can pick a channel with `/opportunity admin` "
                "(or the operator can set CELEBRATION_CHANNEL) to share news like this."
            ),
        )
    since = services.team_week_start()
    count = (store.count_won_since if kind == "won" else store.count_opened_since)(services.db, opp.team_id, since)
    text, blocks = messages.celebration(kind, opp, max(count, 1), settings.currency_symbol, settings.celebrate_amounts)
    try:
        services.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
    except SlackApiError as error:
        code = error.response.get("error", "") if error.response is not None else ""
        log.warning("celebration post to %s failed: %s", channel, code)
        return Celebration(False, _fix_for(code, channel))
    except SlackClientError as error:
        log.warning("celebration post to %s failed: %s", channel, error)
        return Celebration(False, "The celebration post didn't go through this time; your deal is saved.")
    return Celebration(True)


def _fix_for(code: str, channel: str) -> str:
    where = f"<#{channel}>" if channel[:1] in "CG" and channel.isalnum() else escape(channel)
    if code in ("not_in_channel", "channel_not_found"):
        return f"Saved, but I couldn't post the celebration in {where}: add me there with {INVITE}."
    if code == "is_archived":
        return f"Saved, but {where} is archived: ask an admin to pick a new one with `/opportunity admin`."
    return "Saved, but the celebration post didn't go through this time."
