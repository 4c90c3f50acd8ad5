"""Announcing new opportunities and wins in the team channel, never on a person's time.

A celebration is planned in the outbox in the same transaction that stores the deal (so it is never lost
and never planned twice), and the rep is answered at once. The poster (bot/jobs/celebrations.py) takes
what is waiting, a channel at a time, and posts it at the channel's pace: Slack takes about one message a
second per channel, so a burst of openings becomes one post instead of twenty threads each waiting out a
429 while new requests queue behind them. When a post fails for a reason the rep can fix (the bot is not
in the channel, the channel is gone or archived), each rep whose news it was gets one DM saying how.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.messages import opportunities as messages
from bot.ratelimit import background_work
from bot.services import Services
from bot.text import escape
from storage import claim_marks, claims, outbox, queue, records, workspaces
from storage import opportunities as store

log = logging.getLogger(__name__)

KIND = "celebration"
FIX_KIND = "celebration_fix"
CHANNEL_GAP_SECONDS = 1.0  # chat.postMessage: about one message a second per channel
BATCH = 20  # celebrations in one post at most (a header, 20 lines and two counts: inside Block Kit's 50)
INVITE = "`/invite @Pipeline Coach`"
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
OFF = (
    "Celebrations are off: a workspace admin can pick a channel with `/opportunity admin` "
    "(or the operator can set CELEBRATION_CHANNEL) to share news like this."
)


class Waiting:
    """The poster's wake-up call: which services planned celebrations since it last looked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: dict[int, Services] = {}
        self.event = threading.Event()

    def add(self, services: Services) -> None:
        with self._lock:
            self._services.setdefault(id(services.db), services)  # one entry a deployment's database
        self.event.set()

    def take(self) -> list[Services]:
        with self._lock:
            taken, self._services = list(self._services.values()), {}
        return taken


WAITING = Waiting()


def celebrate(services: Services, opp: records.OpportunityView, kind: str) -> bool:
    """Plan the channel post for a new deal ("new") or a win ("won"), if celebrations are on (whether
    they are); call it inside the deal's own transaction, so the news and the deal are stored together."""
    channel = services.settings.celebration_channel
    if not channel:
        return False
    now = services.now()
    planned = queue.Planned(channel, f"{kind}:{opp.id}", now)
    queue.plan(services.db, opp.team_id, KIND, [planned], claims.new_token(), now)
    services.db.after_commit(lambda: WAITING.add(services))
    return True


def post_waiting(services: Services, team_id: str, now: datetime) -> str | None:
    """Post a workspace's waiting celebrations: those due again first (already rendered), else up to
    BATCH planned ones, each lot as one message; the channel posted to, or None when nothing was waiting."""
    services = services.for_team(team_id)
    retries = claims.take_over_due(services.db, team_id, KIND, now)
    if retries:
        lots = [retries[start : start + BATCH] for start in range(0, len(retries), BATCH)]
    else:
        render = lambda rows: _render(services, team_id, rows)  # noqa: E731
        lots = [queue.take(services.db, team_id, KIND, BATCH, claims.new_token(), now, render)]
    channel = None
    for number, lot in enumerate(lot for lot in lots if lot):
        if number:
            time.sleep(CHANNEL_GAP_SECONDS)
        channel = _post(services, lot, now)
    return channel


def _post(services: Services, lot: list[claims.Claim], now: datetime) -> str:
    channel = lot[0].key.recipient_id
    same = [claim for claim in lot if claim.key.recipient_id == channel]
    for other in (claim for claim in lot if claim.key.recipient_id != channel):  # the channel changed meanwhile:
        claim_marks.mark_failed_attempt(services.db, other, "posted separately", now)  # a post of its own, later
    text, blocks = messages.celebrations_together([(_kind(claim), claim.text, claim.blocks) for claim in same])
    try:
        with background_work():
            services.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
    except SlackApiError as error:
        code = str(error.response.get("error") or "") if error.response is not None else ""
        _failed(services, same, code, now)
    except SlackClientError as error:
        _failed(services, same, error.__class__.__name__, now)
    else:
        claim_marks.mark_all_sent(services.db, same, now)  # one transaction for the whole post
    return channel


def waiting_teams(services: Services, now: datetime) -> list[str]:
    """Workspaces with news waiting, but not those the app was removed from: their news stays unposted (and
    goes with their data when it is erased)."""
    gone = workspaces.uninstalled_teams(services.db)
    return [team_id for team_id in outbox.teams_with_waiting(services.db, KIND, now) if team_id not in gone]


def any_retrying(services: Services) -> bool:
    """Is a failed post waiting for its retry (or a post in flight), anywhere in this deployment?"""
    return outbox.any_outstanding(services.db, KIND)


def _kind(claim: claims.Claim) -> str:
    return claim.key.period_key.split(":", 1)[0]


def _deal_id(claim: claims.Claim) -> int:
    return int(claim.key.period_key.split(":", 1)[1])


def _render(services: Services, team_id: str, rows: Sequence[queue.Taken]) -> dict[int, queue.Rendered]:
    """Each waiting celebration as `messages.celebration` builds it, with the team's count this week."""
    ids = {row.id: int(row.period_key.split(":", 1)[1]) for row in rows}
    deals = store.views_by_id(services.db, team_id, ids.values())
    since = services.team_week_start()
    counts = {"new": store.count_opened_since(services.db, team_id, since)}
    if any(row.period_key.startswith("won:") for row in rows):
        counts["won"] = store.count_won_since(services.db, team_id, since)
    settings, rendered = services.settings, {}
    for row in rows:
        kind, opp = row.period_key.split(":", 1)[0], deals.get(ids[row.id])
        if opp is None:
            rendered[row.id] = "the deal is gone"  # erased (forget-me) before its news went out
            continue
        text, blocks = messages.celebration(
            kind, opp, max(counts[kind], 1), settings.currency_symbol, settings.celebrate_amounts
        )
        rendered[row.id] = (text, blocks, None)
    return rendered


def _failed(services: Services, posted: list[claims.Claim], code: str, now: datetime) -> None:
    """A channel the rep can fix: skip the news, tell each rep once. Anything else: try again later."""
    channel = posted[0].key.recipient_id
    log.warning("celebration post to %s failed: %s", channel, code or "no answer")
    with services.db.transaction():  # the post's claims marked together: one write, not one per claim
        for claim in posted:
            if code in CHANNEL_ERRORS:
                claim_marks.mark_skipped(services.db, claim, code, now)
            else:
                claim_marks.mark_failed_attempt(services.db, claim, code or "no answer", now)
    if code not in CHANNEL_ERRORS:
        return
    deals = store.views_by_id(services.db, posted[0].key.team_id, [_deal_id(claim) for claim in posted])
    note = _fix_for(code, channel)
    for opp in deals.values():
        _tell(services, opp, note, now)


def _tell(services: Services, opp: records.OpportunityView, note: str, now: datetime) -> None:
    key = claims.Key(opp.team_id, opp.owner_id, FIX_KIND, str(opp.id))
    fix = claims.claim(services.db, key, note, [], now)
    if fix is None:
        return
    try:
        services.client.chat_postMessage(channel=opp.owner_id, text=note)
    except SlackClientError as error:
        claim_marks.mark_failed_attempt(services.db, fix, error.__class__.__name__, now)
        return
    claim_marks.mark_sent(services.db, fix, now)


def _fix_for(code: str, channel: str) -> str:
    where = f"<#{channel}>" if channel[:1] in "CG" and channel.isalnum() else escape(channel)
    if code in ("not_in_channel", "channel_not_found"):
        return f"Your deal is saved, but I couldn't post the celebration in {where}: add me there with {INVITE}."
    return f"Your deal is saved, but {where} is archived: ask an admin to pick a new one with `/opportunity admin`."
