"""What a rep can do to their pipeline, independent of which Slack surface they did it from."""

from __future__ import annotations

from dataclasses import dataclass

from bot import crm_push
from bot.celebrations import Celebration, celebrate
from bot.opportunity_entry import best_matches, reference
from bot.services import Services
from storage import opportunities as store

WON, LOST = "Won", "Lost"


@dataclass(frozen=True)
class Opened:
    opportunity: store.OpportunityView
    celebration: Celebration


@dataclass(frozen=True)
class Moved:
    move: store.StageMove
    celebration: Celebration | None


@dataclass(frozen=True)
class Lookup:
    """Exactly one of: the deal, several candidates to choose from, or nothing."""

    found: store.OpportunityView | None
    candidates: list[store.OpportunityView]


def open_opportunity(services: Services, team_id: str, user_id: str, new: store.NewOpportunity) -> Opened:
    opp = store.create_opportunity(services.db, team_id, user_id, new, services.now())
    services.changed(team_id, user_id)
    crm_push.after_change(services, opp)  # the CRM write is queued, never made inside Slack's 3 seconds
    return Opened(opp, celebrate(services, opp, "new"))


def find(services: Services, team_id: str, user_id: str, text: str) -> Lookup:
    """Forgiving lookup among the rep's own open deals: `#12`, `12`, an exact name, a prefix or a substring."""
    ref = reference(text)
    if ref.short_id is not None:
        opp = store.get_opportunity(services.db, team_id, user_id, ref.short_id)
        if opp and opp.status == store.OPEN:
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
    services: Services, team_id: str, user_id: str, opportunity_id: int, stage: str, reason: str | None = None
) -> Moved:
    """Move to a stage; Won and Lost close the deal, and a win is celebrated as loudly as an opening."""
    status = {WON: store.WON, LOST: store.LOST}.get(stage, store.OPEN)
    result = store.move_stage(
        services.db,
        team_id,
        user_id,
        opportunity_id,
        stage,
        services.now(),
        status=status,
        lost_reason=reason,
    )
    services.changed(team_id, user_id)
    crm_push.after_change(services, result.opportunity)
    celebration = celebrate(services, result.opportunity, "won") if status == store.WON else None
    return Moved(result, celebration)
