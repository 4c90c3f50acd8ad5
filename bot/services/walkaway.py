"""Walk-away signals on a rep's deals (bot/rules/walkaway.py decides): for `/opportunity health` and Home,
one rep's open deals; for the nudge, the top deal of each rep it goes to. The team's norms are a bounded
read kept a while per process (over the look-back, never the whole history); the reps' own norms and the
deals' facts are read for that rep or a batch's reps alone. Private to the rep: nothing here is shown to
anyone else."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.rules import walkaway as rules
from bot.rules.periods import local_now, trailing_days
from bot.services import Services, team_reads
from storage import close_dates, concentration, opportunities, outlook, stage_time
from storage.records import RepSellingTime

LISTED_DEALS = 200  # the most open deals of one rep the health report weighs
TEAM_STAYS_SECONDS = 600.0  # the team's usual stays are read again after this long (or a stage move here)


@dataclass(frozen=True)
class Norms:
    """What the signals weigh a deal against: the team's usual stays per stage (kept a while per process,
    bot/services/team_reads), some reps' own over the look-back, and the stages' weights."""

    usual: dict[tuple[str, str], tuple[int, float]]  # (rep, stage) -> (stays, days); rep "*" is the team
    weights: dict[str, float]


@dataclass(frozen=True)
class Deals:
    """What the signals need of some open deals and their reps, read for them alone: close-date pushes,
    current stays, and each rep's open amounts per stage."""

    pushes: dict[int, close_dates.Pushes]
    current: dict[int, stage_time.CurrentStay]
    amounts: dict[str, dict[str, int]]


def read_norms(services: Services, team_id: str, now: datetime, user_ids: Collection[str]) -> Norms:
    """The norms for these reps' deals: their own stays read for them alone, the team's from memory."""
    stages = services.settings.open_stages
    since = now - timedelta(days=rules.USUAL_STAY_LOOKBACK_DAYS)
    team = team_reads.kept(
        services,
        "team_stays",
        team_id,
        TEAM_STAYS_SECONDS,
        lambda: stage_time.team_stays(services.db, team_id, stages, since, rules.TEAM_USUAL_LATEST_MOVES),
    )
    usual = {("*", stage): found for stage, found in team.items()}
    for stay in stage_time.completed_stays(services.db, team_id, stages, since, user_ids) if user_ids else ():
        usual[(stay.user_id, stay.stage)] = (stay.stays, stay.days)
    return Norms(usual=usual, weights=rules.stage_weights(stages, outlook.crm_stage_weights(services.db, team_id)))


def read_deals(services: Services, team_id: str, user_ids: Collection[str], deal_ids: Collection[int]) -> Deals:
    """For some reps and some of their open deals: a few indexed reads of theirs alone."""
    db = services.db
    return Deals(
        pushes=close_dates.pushes_by_deal(db, team_id, opportunity_ids=deal_ids),
        current=stage_time.current_stays(db, team_id, opportunity_ids=deal_ids),
        amounts=outlook.open_amounts_by_stage(db, team_id, user_ids=user_ids),
    )


def _facts(deal, minutes: int, norms: Norms, found: Deals, today: date, zone: str) -> rules.DealFacts:
    pushed = found.pushes.get(deal.id)
    stay = found.current.get(deal.id)
    days = None
    usual = None
    if stay is not None and stay.stage == deal.stage:
        days = max((today - local_now(stay.since, zone).date()).days, 0)
        usual = rules.usual_stay(norms.usual.get((deal.owner_id, deal.stage)), norms.usual.get(("*", deal.stage)))
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
    deals = [deal for deal in deals if deal.paused_at is None]  # a deal stepped back from is no longer a question
    now = services.now()
    norms = read_norms(services, team_id, now, [user_id])
    found = read_deals(services, team_id, [user_id], [deal.id for deal in deals])
    weighted = rules.weighted_pipeline(found.amounts.get(user_id, {}), norms.weights)
    facts = [_facts(deal, minutes.get(deal.id, 0), norms, found, today, settings.team_timezone) for deal in deals]
    return rules.walkaway_signals(facts, sum(minutes.values()), weighted, norms.weights)


def top_deal_signals(
    services: Services, team_id: str, times: Collection[RepSellingTime], now: datetime
) -> dict[str, rules.Signal]:
    """For each rep whose top deal fires a signal: the first one (a nudge carries one reason). What the
    signals need is read for these reps and their top deals alone (the team's norms from memory)."""
    settings = services.settings
    today = local_now(now, settings.team_timezone).date()
    tops = {time.top_opportunity_id: time for time in times if time.top_opportunity_id}
    if not tops:
        return {}
    deals = opportunities.views_by_id(services.db, team_id, tops)
    users = {time.user_id for time in tops.values()}
    norms, found = read_norms(services, team_id, now, users), read_deals(services, team_id, users, tops)
    signals = {}
    for deal_id, time in tops.items():
        deal = deals.get(deal_id)
        if deal is None or deal.status != "open" or deal.paused_at is not None:
            continue
        facts = _facts(deal, time.top_opportunity_minutes, norms, found, today, settings.team_timezone)
        weighted = rules.weighted_pipeline(found.amounts.get(time.user_id, {}), norms.weights)
        fired = rules.deal_signals(facts, time.total_minutes, weighted, norms.weights.get(deal.stage, 0.0))
        if fired:
            signals[time.user_id] = fired[0]
    return signals
