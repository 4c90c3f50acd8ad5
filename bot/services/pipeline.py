"""What a rep can do to their pipeline, independent of which Slack surface they did it from."""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing.opportunities import best_matches, reference
from bot.services import Services, crm_push, stored_once, team_reads
from bot.services.celebrations import OFF, celebrate
from storage import opportunities as store
from storage import records

WON, LOST = "Won", "Lost"
NotOpen = records.NotOpen  # a deal closed (or not the rep's) by the time a change arrived


@dataclass(frozen=True)
class Opened:
    opportunity: records.OpportunityView
    new: bool = True  # False: this Slack request had already opened it (a replay stores nothing twice)


@dataclass(frozen=True)
class Moved:
    move: records.StageMove
    new: bool = True

    @property
    def won(self) -> bool:
        return self.move.opportunity.status == records.WON


@dataclass(frozen=True)
class Lookup:
    """Exactly one of: the deal, several candidates to choose from, or nothing."""

    found: records.OpportunityView | None
    candidates: list[records.OpportunityView]


def open_opportunity(
    services: Services, team_id: str, user_id: str, new: records.NewOpportunity, key: str | None = None
) -> Opened:
    """Store a new deal, once per Slack request `key`, with its celebration planned for the channel."""

    def write() -> records.OpportunityView:
        with services.db.transaction():  # the deal and its CRM write are stored together, or neither
            opened = store.create_opportunity(services.db, team_id, user_id, new, services.now(), request_key=key)
            crm_push.after_change(services, opened)
            celebrate(services, opened, "new")  # planned with the deal: posted after the ack, at the channel's pace
        return opened

    opp, stored_now = stored_once(
        key,
        write,
        lambda: store.created_by_request(services.db, team_id, key),  # type: ignore[arg-type]
        look_first=False,  # creating always inserts the keyed row: a replay fails on it and looks then
    )
    if stored_now:
        services.changed(team_id, user_id)
    return Opened(opp, stored_now)


def celebration_note(services: Services, celebrated: bool) -> str | None:
    """What a rep's confirmation says of the news planned with their change: nothing while a channel
    takes it (the poster tells them if that fails), how to turn celebrations on while none does."""
    return None if not celebrated or services.settings.celebration_channel else OFF


def find(services: Services, team_id: str, user_id: str, text: str) -> Lookup:
    """Forgiving lookup among the rep's own open deals: `#12`, `12`, an exact name, a prefix or a substring."""
    ref = reference(text)
    if ref.short_id is not None:
        opp = store.get_opportunity(services.db, team_id, user_id, ref.short_id)
        if opp and opp.status == records.OPEN:
            return Lookup(opp, [])
    matches = best_matches(ref.text, store.search_open(services.db, team_id, user_id, ref.text))
    if len(matches) == 1:
        return Lookup(matches[0], [])
    return Lookup(None, matches)


def find_with_remainder(services: Services, team_id: str, user_id: str, text: str) -> tuple[Lookup, str]:
    """For `lost acme renewal went quiet`: the longest leading phrase that names a deal, and the rest."""
    words = text.split()
    if not words:
        return Lookup(None, []), ""
    first = find(services, team_id, user_id, words[0])
    if reference(words[0]).short_id is not None and first.found:
        return first, " ".join(words[1:])
    pool = store.search_open(services.db, team_id, user_id, words[0], limit=200)
    for cut in range(min(len(words), 20), 0, -1):
        matches = best_matches(" ".join(words[:cut]), pool)
        if matches:
            found = matches[0] if len(matches) == 1 else None
            return Lookup(found, [] if found else matches), " ".join(words[cut:])
    return Lookup(None, []), " ".join(words[1:])


def move(
    services: Services,
    team_id: str,
    user_id: str,
    opportunity_id: int,
    stage: str,
    reason: str | None = None,
    key: str | None = None,
) -> Moved:
    """Move to a stage, once per Slack request `key`; Won and Lost close the deal."""
    status = {WON: records.WON, LOST: records.LOST}.get(stage, records.OPEN)

    def write() -> records.StageMove:
        with services.db.transaction():  # the move and its CRM write are stored together, or neither
            moved = store.move_stage(
                services.db,
                team_id,
                user_id,
                opportunity_id,
                stage,
                services.now(),
                status=status,
                lost_reason=reason,
                request_key=key,
            )
            crm_push.after_change(services, moved.opportunity)
            if status == records.WON:
                celebrate(services, moved.opportunity, "won")  # as loudly as an opening, once
        return moved

    result, stored_now = stored_once(
        key,
        write,
        lambda: store.moved_by_request(services.db, team_id, key),  # type: ignore[arg-type]
    )
    if stored_now:
        team_reads.stage_moved(services, team_id)  # a close (or a reopening) counts in the team's figures at once
        services.changed(team_id, user_id)
    return Moved(result, stored_now)


def list_open(services: Services, team_id: str, user_id: str, limit: int) -> tuple[list[records.OpportunityView], int]:
    """The rep's open deals (up to `limit`) and how many there are in all."""
    return store.open_opportunities(services.db, team_id, user_id, limit=limit)


def get_open(services: Services, team_id: str, user_id: str, opportunity_id: int) -> records.OpportunityView | None:
    """One of the rep's own deals, if it is still open."""
    opp = store.get_opportunity(services.db, team_id, user_id, opportunity_id)
    return opp if opp is not None and opp.status == records.OPEN else None
