"""Whether a resumed claim already reached its DM: the DM's history since the claim's send began, read a
page a turn of the workspace's history budget (bot/slack_pace.py).

Slack may allow a DM's history one call a minute and 15 messages a call (SLACK_HISTORY_LIMIT). A DM with
more messages than that since the send is read on page by page, newest first, with Slack's cursor: each
turn reads one page, and the cursor of the next is kept on the claim (storage/claims.wait_for_history),
so the next turn, on a later tick and in any instance, goes on where the last stopped instead of reading
the newest page again. Messages posted after the first page was read are newer than the claim's own send
(nobody sends a claim while its DM is being read), so they never need reading. Whatever Slack would not
answer (no turn free, a 429, an error) leaves the answer "not known yet" and the cursor as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import slack_pace
from bot.services import Services
from storage import claims

log = logging.getLogger("pipeline_coach.delivery")

CLOCK_MARGIN = timedelta(minutes=1)  # the DM is read from a minute before the send began: clocks differ


@dataclass(frozen=True)
class Looked:
    """What a look at the DM found: True (there), False (read back to the send, not there) or None (not
    known yet), and where the next look reads on from while it is not known."""

    found: bool | None
    read_on_from: str | None = None


def look_for(services: Services, claim: claims.Claim, holds: Callable[[dict], bool]) -> Looked:
    """One page of the claim's DM since its send began (one history turn, conversations.open then
    conversations.history with `limit` the most one call may read), searched with `holds`."""
    unknown = Looked(None, claim.history_cursor)
    if not slack_pace.may_read_history(services):
        return unknown
    _, per_call = slack_pace.history_limits(services)
    since = (claim.send_started_at or services.now() - claims.LEASE * 2) - CLOCK_MARGIN
    recipient = claim.key.recipient_id
    try:
        channel = (services.client.conversations_open(users=recipient).get("channel") or {}).get("id")
        if not channel:
            return unknown
        page = {"cursor": claim.history_cursor} if claim.history_cursor else {}
        history = services.client.conversations_history(
            channel=channel, oldest=f"{since.timestamp():.6f}", limit=per_call, include_all_metadata=True, **page
        )
    except SlackApiError as error:
        log.warning("could not read the DM of %s to check for a sent message (%s)", recipient, error)
        stale = error.response.get("error") == "invalid_cursor"
        return Looked(None, None) if stale else unknown  # a cursor Slack no longer knows: from the newest
    except SlackClientError as error:
        log.warning("could not read the DM of %s to check for a sent message (%s)", recipient, error)
        return unknown
    if any(holds(message) for message in history.get("messages") or []):
        return Looked(True)
    if not history.get("has_more"):
        return Looked(False)
    following = (history.get("response_metadata") or {}).get("next_cursor") or None
    return Looked(None, following)  # more since the send than this page: the next turn reads on
