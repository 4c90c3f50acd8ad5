"""What a rep's Home tab shows: their health at a glance, their open deals, their last reflection."""

from __future__ import annotations

from dataclasses import dataclass

from bot.health import HealthReport, build_health
from bot.services import Services
from storage import coaching as coaching_store
from storage import opportunities as store
from storage.coaching import Answer

HOME_ROWS = 50


@dataclass(frozen=True)
class HomePage:
    health: HealthReport
    opportunities: list[store.OpportunityView]
    open_total: int
    last_reflection: Answer | None


def home_page(services: Services, team_id: str, user_id: str) -> HomePage:
    """Everything on the page is the rep's own: their deals, their figures, their answers."""
    opportunities, total = store.open_opportunities(services.db, team_id, user_id, limit=HOME_ROWS)
    answers = [
        answer
        for answer in coaching_store.recent_answers(services.db, team_id, user_id, limit=5)
        if answer.kind == "reflection" and answer.answer
    ]
    return HomePage(
        health=build_health(services, team_id, user_id),
        opportunities=opportunities,
        open_total=total,
        last_reflection=answers[0] if answers else None,
    )
