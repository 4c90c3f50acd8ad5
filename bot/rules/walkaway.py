"""Walk-away signals and checkpoints that learn: when a deal's hours deserve a second look, each reason
with its evidence, private to the rep; when a checkpoint should ask about detaching rather than waiting;
and how much prospecting to offer once the rep stepped back. Plain numbers in and out, the clock passed in.

The signals, beside the time concentration the nudge already measures:
- "pushed": the deal's close date was moved later PUSHED_AT_LEAST times or more.
- "long_in_stage": the deal has been in its stage more than LONG_IN_STAGE_FACTOR times the usual stay there
  (the rep's own average once they have USUAL_MIN_STAYS finished stays in that stage, else the team's), and
  at least LONG_IN_STAGE_MIN_EXTRA days longer. The usual stay is measured over the stays that ended in the
  last USUAL_STAY_LOOKBACK_DAYS: how a team sells now, not years ago. The team's usual is taken from its
  latest TEAM_USUAL_LATEST_MOVES stage changes in that time: the whole year for most teams, and for a very
  large one a read that does not grow with it.
- "time_over_value": the deal took TIME_SHARE_MIN or more of the rep's selling time, and at least
  TIME_OVER_VALUE times its share of their weighted pipeline (amount × the stage's probability: the CRM's
  probability for the stage where it gives one, else DEFAULT_WEIGHTS: 10% in the first open stage rising
  evenly to 80% in the last).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# After this many "not yet" answers on one obstacle the checkpoint asks when the rep will detach instead.
ASK_DETACH_AFTER = 2
# The prospecting block offered after a step back: about a third of the hours the paused deal took in the
# window, in whole hours between these bounds (an hour when it took none); each is one of BLOCK_LENGTHS.
OFFER_SHARE, OFFER_MIN_MINUTES, OFFER_MAX_MINUTES = 1 / 3, 60, 180

PUSHED_AT_LEAST = 2
LONG_IN_STAGE_FACTOR, LONG_IN_STAGE_MIN_EXTRA, USUAL_MIN_STAYS = 1.5, 7, 3
USUAL_STAY_LOOKBACK_DAYS = 365
TEAM_USUAL_LATEST_MOVES = 10_000
TIME_SHARE_MIN, TIME_OVER_VALUE = 0.25, 2.0
DEFAULT_WEIGHTS = (0.1, 0.8)  # the first open stage's probability, the last one's; evenly between
PUSHED, LONG_IN_STAGE, TIME_OVER_VALUE_KIND = "pushed", "long_in_stage", "time_over_value"
YOURS, TEAM = "yours", "team"


def asks_detach(not_yets: int, detach_named: bool) -> bool:
    """Two "not yet"s on the same obstacle and no detach named yet: ask when to step back."""
    return not_yets >= ASK_DETACH_AFTER and not detach_named


def prospecting_offer_minutes(paused_deal_minutes: int) -> int:
    """The block to offer once a deal is paused: 7h on it in the fortnight -> 2h of prospecting this week."""
    hours = round(paused_deal_minutes * OFFER_SHARE / 60)
    return min(max(hours * 60, OFFER_MIN_MINUTES), OFFER_MAX_MINUTES)


def stage_weights(open_stages: Sequence[str], crm: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each open stage's probability of winning: the CRM's where it gives one (0..1), else the default."""
    first, last = DEFAULT_WEIGHTS
    steps = max(len(open_stages) - 1, 1)
    weights = {stage: first + (last - first) * index / steps for index, stage in enumerate(open_stages)}
    for stage, probability in (crm or {}).items():
        if stage in weights and probability is not None and 0 <= probability <= 1:
            weights[stage] = probability
    return weights


def weighted_pipeline(amounts_by_stage: Mapping[str, int], weights: Mapping[str, float]) -> float:
    return sum(amount * weights.get(stage, 0.0) for stage, amount in amounts_by_stage.items())


def usual_stay(
    own: tuple[int, float] | None, team: tuple[int, float] | None, min_stays: int = USUAL_MIN_STAYS
) -> tuple[float, str] | None:
    """The usual days in a stage from (stays, total days): the rep's own once they have min_stays, else the
    team's, else None (no made-up norm)."""
    if own is not None and own[0] >= min_stays:
        return own[1] / own[0], YOURS
    if team is not None and team[0] >= min_stays:
        return team[1] / team[0], TEAM
    return None


@dataclass(frozen=True)
class DealFacts:
    """What is known of one open deal for the signals."""

    deal_id: int
    name: str
    stage: str
    amount: int | None
    minutes: int = 0
    pushes: int = 0
    first_close: date | None = None
    close: date | None = None
    days_in_stage: int | None = None
    usual: tuple[float, str] | None = None  # (days, YOURS or TEAM)


@dataclass(frozen=True)
class Signal:
    """One walk-away signal on one deal, with its evidence."""

    kind: str
    deal_id: int
    deal_name: str
    stage: str
    pushes: int = 0
    first_close: date | None = None
    close: date | None = None
    days_in_stage: int = 0
    usual_days: float = 0.0
    usual_source: str | None = None
    time_share: float = 0.0
    value_share: float = 0.0


def deal_signals(deal: DealFacts, total_minutes: int, weighted_total: float, weight: float) -> list[Signal]:
    """The signals that fire for one deal, in a fixed order: pushed, long in stage, time over value."""
    found = []
    if deal.pushes >= PUSHED_AT_LEAST:
        found.append(Signal(PUSHED, deal.deal_id, deal.name, deal.stage, deal.pushes, deal.first_close, deal.close))
    if deal.usual is not None and deal.days_in_stage is not None:
        usual, source = deal.usual
        if deal.days_in_stage > usual * LONG_IN_STAGE_FACTOR and deal.days_in_stage >= usual + LONG_IN_STAGE_MIN_EXTRA:
            found.append(
                Signal(
                    LONG_IN_STAGE,
                    deal.deal_id,
                    deal.name,
                    deal.stage,
                    days_in_stage=deal.days_in_stage,
                    usual_days=usual,
                    usual_source=source,
                )
            )
    if total_minutes > 0 and weighted_total > 0 and deal.amount:
        time_share = deal.minutes / total_minutes
        value_share = deal.amount * weight / weighted_total
        if time_share >= TIME_SHARE_MIN and time_share >= TIME_OVER_VALUE * value_share:
            found.append(
                Signal(
                    TIME_OVER_VALUE_KIND,
                    deal.deal_id,
                    deal.name,
                    deal.stage,
                    time_share=time_share,
                    value_share=value_share,
                )
            )
    return found


def walkaway_signals(
    deals: Iterable[DealFacts], total_minutes: int, weighted_total: float, weights: Mapping[str, float]
) -> list[Signal]:
    """Every signal on a rep's open deals, the deals that took most of their time first."""
    ordered = sorted(deals, key=lambda deal: (-deal.minutes, deal.deal_id))
    return [
        signal
        for deal in ordered
        for signal in deal_signals(deal, total_minutes, weighted_total, weights.get(deal.stage, 0.0))
    ]
