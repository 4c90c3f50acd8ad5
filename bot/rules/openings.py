"""The real gap in openings: how many new opportunities this period and the next still need, once what is
already open early in the pipeline is credited, and whether the rep's usual cycle means a period is already
decided by what is open today. Plain numbers in and out, the clock (`today`) passed in.

Openings a period needs = the quota still to win ÷ (average win × win rate). An open early-stage deal is an
opening already made: it will likely bring its amount (or the average win when it has none) × the win rate,
which is amount ÷ average win openings' worth. It lands in the period of its expected close, or, without
one, in the period its opening plus the usual cycle reaches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol


class ClosedHistory(Protocol):
    """What a history must tell (bot/rules/outlook.History): plausible wins only, their amounts and days."""

    won: int
    won_amount: int
    won_with_amount: int
    won_days: float

    @property
    def closed(self) -> int: ...


@dataclass(frozen=True)
class EarlyDeal:
    """An open deal in an early stage: its amount (None: not known yet), expected close and opening day."""

    amount: int | None
    expected_close: date | None
    opened_on: date


@dataclass(frozen=True)
class PeriodGap:
    """One period's gap: what the quota needs in openings, what the early pipeline brings, what is left.

    `decided`: a deal opened today would be won after the period ends, so new openings cannot change it."""

    start: date
    end: date
    quota_left: int
    needed_openings: float
    early_deals: int
    pipeline_brings: float
    still_needed: float
    decided: bool


@dataclass(frozen=True)
class OpeningGap:
    """This period's and the next one's gaps, with the history behind them (source: yours or the team's)."""

    this: PeriodGap | None
    next: PeriodGap | None
    source: str | None
    win_rate: float
    average_won: float
    cycle_days: int


def _landing(deal: EarlyDeal, cycle_days: int) -> date:
    return deal.expected_close or deal.opened_on + timedelta(days=cycle_days)


def _period_gap(
    start: date,
    end: date,
    quota_left: int | None,
    deals: list[EarlyDeal],
    average_won: float,
    win_rate: float,
    lands_today: date,
) -> PeriodGap | None:
    if quota_left is None:
        return None
    left = max(quota_left, 0)
    needed = left / (average_won * win_rate)
    brings = sum((deal.amount or average_won) / average_won for deal in deals)
    return PeriodGap(
        start=start,
        end=end,
        quota_left=left,
        needed_openings=needed,
        early_deals=len(deals),
        pipeline_brings=brings,
        still_needed=max(needed - brings, 0.0),
        decided=lands_today > end,
    )


def opening_gap(
    history: ClosedHistory | None,
    source: str | None,
    today: date,
    this_period: tuple[date, date],
    next_period: tuple[date, date],
    quota_left_this: int | None,
    quota_next: int | None,
    early: Iterable[EarlyDeal],
) -> OpeningGap | None:
    """The gap this period and next, or None without a history that has a plausible win with an amount (the
    implausible wins are already out of `history`) or without any quota: no made-up numbers."""
    if history is None or history.won <= 0 or history.won_with_amount <= 0 or history.won_amount <= 0:
        return None
    if quota_left_this is None and quota_next is None:
        return None
    win_rate = history.won / history.closed
    average_won = history.won_amount / history.won_with_amount
    cycle = round(history.won_days / history.won)
    this_deals, next_deals = [], []
    for deal in early:
        lands = _landing(deal, cycle)
        if lands <= this_period[1]:
            this_deals.append(deal)
        elif lands <= next_period[1]:
            next_deals.append(deal)
    lands_today = today + timedelta(days=cycle)
    return OpeningGap(
        this=_period_gap(*this_period, quota_left_this, this_deals, average_won, win_rate, lands_today),
        next=_period_gap(*next_period, quota_next, next_deals, average_won, win_rate, lands_today),
        source=source,
        win_rate=win_rate,
        average_won=average_won,
        cycle_days=cycle,
    )
