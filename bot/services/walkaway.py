"""Walk-away signals on a rep's deals (bot/rules/walkaway.py decides): for `/opportunity health` and Home,
one rep's open deals; for the nudge, the top deal of each rep it goes to, from a few GROUP BYs over the
workspace read once per tick. Private to the rep: nothing here is shown to anyone else."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from bot.rules import walkaway as rules
from bot.rules.periods import local_now, trailing_days
from bot.services import Services
from storage import close_dates, concentration, opportunities, outlook, stage_time
from storage.records import RepSellingTime

LISTED_DEALS = 200  # the most open deals of one rep the health report weighs


@dataclass(frozen=True)
class Workspace:
    """What the signals need of the whole workspace, read once: close-date pushes, stays in stages, each
    rep's open amounts per stage, and the stage weights."""

    pushes: dict[int, close_dates.Pushes]
    current: dict[int, stage_time.CurrentStay]
    usual: dict[tuple[str, str], tuple[int, float]]  # (rep, stage) -> (stays, days); rep "*" is the team
    amounts: dict[str, dict[str, int]]
    weights: dict[str, float]


def _usual_table(stays: list[stage_time.StageStays]) -> dict[tuple[str, str], tuple[int, float]]:
    table: dict[tuple[str, str], tuple[int, float]] = {}
    for stay in stays:
        table[(stay.user_id, stay.stage)] = (stay.stays, stay.days)
        count, days = table.get(("*", stay.stage), (0, 0.0))
        table[("*", stay.stage)] = (count + stay.stays, days + stay.days)
    return table


def read_workspace(services: Services, team_id: str, user_id: str | None = None) -> Workspace:
    stages = services.settings.open_stages
    return Workspace(
        pushes=close_dates.pushes_by_deal(services.db, team_id, user_id),
        current=stage_time.current_stays(services.db, team_id, user_id),
        usual=_usual_table(stage_time.completed_stays(services.db, team_id, stages)),
        amounts=outlook.open_amounts_by_stage(services.db, team_id, user_id),
        weights=rules.stage_weights(stages, outlook.crm_stage_weights(services.db, team_id)),
    )


def _facts(deal, minutes: int, found: Workspace, today: date, zone: str) -> rules.DealFacts:
    pushed = found.pushes.get(deal.id)
    stay = found.current.get(deal.id)
    days = None
    usual = None
    if stay is not None and stay.stage == deal.stage:
        days = max((today - local_now(stay.since, zone).date()).days, 0)
        usual = rules.usual_stay(found.usual.get((deal.owner_id, deal.stage)), found.usual.get(("*", deal.stage)))
    return rules.DealFacts(
        deal_id=deal.id,
        name=deal.name,
        stage=deal.stage,
        amount=deal.amount,
        minutes=minutes,
        pushes=pushed.pushes if pushed else 0,
        first_close=pushed.first_date if pushed else None,
        close=deal.expected_close,
        days_in_stage=days,
        usual=usual,
    )


def rep_signals(services: Services, team_id: str, user_id: str) -> list[rules.Signal]:
    """Every walk-away signal on one rep's open deals, with its evidence (health and Home)."""
    settings = services.settings
    today = services.team_today()
    since, until = trailing_days(today, settings.nudge_window_days)
    minutes = concentration.minutes_per_deal(services.db, team_id, user_id, since, until)
    deals, _ = opportunities.open_opportunities(services.db, team_id, user_id, LISTED_DEALS)
    found = read_workspace(services, team_id, user_id)
    weighted = rules.weighted_pipeline(found.amounts.get(user_id, {}), found.weights)
    facts = [
        _facts(deal, minutes.get(deal.id, 0), found, today, settings.team_timezone)
        for deal in deals
        if deal.paused_at is None  # a deal the rep stepped back from is no longer a question
    ]
    return rules.walkaway_signals(facts, sum(minutes.values()), weighted, found.weights)


def top_deal_signals(
    services: Services, team_id: str, found: Workspace, times: Collection[RepSellingTime], now: datetime
) -> dict[str, rules.Signal]:
    """For each rep whose top deal fires a signal: the first one (a nudge carries one reason)."""
    settings = services.settings
    today = local_now(now, settings.team_timezone).date()
    tops = {time.top_opportunity_id: time for time in times if time.top_opportunity_id}
    deals = opportunities.views_by_id(services.db, team_id, tops)
    signals = {}
    for deal_id, time in tops.items():
        deal = deals.get(deal_id)
        if deal is None or deal.status != "open" or deal.paused_at is not None:
            continue
        facts = _facts(deal, time.top_opportunity_minutes, found, today, settings.team_timezone)
        weighted = rules.weighted_pipeline(found.amounts.get(time.user_id, {}), found.weights)
        fired = rules.deal_signals(facts, time.total_minutes, weighted, found.weights.get(deal.stage, 0.0))
        if fired:
            signals[time.user_id] = fired[0]
    return signals
