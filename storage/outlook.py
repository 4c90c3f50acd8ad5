"""The aggregates behind "your number rides on one deal", the opening pace and the leaders' creation view:
one GROUP BY per question over a workspace's (or one rep's) rows, reached through the opportunities
indexes of migration 0001 (team, owner, status) and the activities index of 0002 (team, rep, day)."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Float, Select, and_, bindparam, case, cast, func, select

from storage.db import Database
from storage.models import CrmSyncState, Opportunity, Quota
from storage.opportunities import view_of
from storage.records import LOST, OPEN, WON, OpportunityView
from storage.rows import fetched


@dataclass(frozen=True)
class ClosedSums:
    """Closed deals' sums: how many won and lost, the won amounts, and the days from open to won (the outlook
    rules add and divide them: bot/rules/outlook.py History)."""

    won: int = 0
    lost: int = 0
    won_amount: int = 0
    won_with_amount: int = 0
    won_days: float = 0.0
    implausible: int = 0  # wins less than a day after their opening: flagged, never in the figures


@dataclass(frozen=True)
class RepHistory:
    """One rep's closed deals (sums, for win rate, average win and days to win) and their recent openings."""

    user_id: str
    sums: ClosedSums
    opened_since: int


def _days_open(dialect: str):
    """Days from opening to closing, in SQL: each dialect has its own date arithmetic."""
    if dialect == "postgresql":
        return func.extract("epoch", Opportunity.closed_at - Opportunity.created_at) / 86400.0
    return func.julianday(Opportunity.closed_at) - func.julianday(Opportunity.created_at)


# A win less than a day after its opening is implausible history (typically logged at the moment it
# closed, or imported without its real opening date): counted apart, never in the rates and averages.
PLAUSIBLE_DAYS = 1.0


def _closed_since():
    """Deals closed (won or lost) since the bound `closed_since`: the history the figures are taken from,
    reached through the (team, status, closed_at) index."""
    return and_(Opportunity.status.in_((WON, LOST)), Opportunity.closed_at >= bindparam("closed_since"))


def _closed_sums(dialect: str) -> list:
    """Over the deals closed since `closed_since`: won (plausible) and lost counts, won amounts and days to
    win, and the implausible wins apart."""
    days = cast(_days_open(dialect), Float)
    recent = _closed_since()
    won = and_(recent, Opportunity.status == WON, days >= PLAUSIBLE_DAYS)
    return [
        func.count(case((won, 1))).label("won"),
        func.count(case((and_(recent, Opportunity.status == LOST), 1))).label("lost"),
        func.coalesce(func.sum(case((won, Opportunity.amount), else_=0)), 0).label("won_amount"),
        func.count(case((and_(won, Opportunity.amount > 0), 1))).label("won_with_amount"),
        func.coalesce(func.sum(case((won, days), else_=0.0)), 0.0).label("won_days"),
        func.count(case((and_(recent, Opportunity.status == WON, days < PLAUSIBLE_DAYS), 1))).label("implausible"),
    ]


# Each statement below is built once (per dialect, and for one rep or all) with every value a bound
# parameter, and run on the session's connection: a Home refresh reads them for every change a rep makes.


@lru_cache(maxsize=4)
def _rep_history_statement(dialect: str) -> Select:
    return select(
        *_closed_sums(dialect),
        func.count(case((Opportunity.created_at >= bindparam("opened_since"), 1))).label("opened_since"),
    ).where(Opportunity.team_id == bindparam("team_id"), Opportunity.owner_id == bindparam("user_id"))


def rep_history(db: Database, team_id: str, user_id: str, closed_since: datetime, opened_since: datetime) -> RepHistory:
    """One rep's won and lost counts, won amounts and days to win over the deals closed since
    `closed_since`, and their openings since a moment: one pass over the rep's own opportunities."""
    params = {"team_id": team_id, "user_id": user_id, "closed_since": closed_since, "opened_since": opened_since}
    [row] = fetched(db, _rep_history_statement(db.dialect), params)
    return RepHistory(user_id, _sums_of(row), int(row.opened_since))


@lru_cache(maxsize=1)
def _openings_statement() -> Select:
    in_week = and_(Opportunity.created_at >= bindparam("week_start"), Opportunity.created_at < bindparam("week_end"))
    return (
        select(
            Opportunity.owner_id,
            func.count(case((Opportunity.created_at >= bindparam("opened_since"), 1))).label("opened_since"),
            func.count(case((in_week, 1))).label("in_week"),
        )
        .where(Opportunity.team_id == bindparam("team_id"), Opportunity.created_at >= bindparam("rows_since"))
        .group_by(Opportunity.owner_id)
    )


def openings_by_rep(
    db: Database, team_id: str, opened_since: datetime, week_start: datetime, week_end: datetime
) -> dict[str, tuple[int, int]]:
    """Per rep who opened any: {rep: (openings since `opened_since`, openings in the week)}, through the
    (team, created_at) index over those weeks alone, however large or old the workspace."""
    params = {"team_id": team_id, "opened_since": opened_since, "week_start": week_start, "week_end": week_end}
    rows = fetched(db, _openings_statement(), params | {"rows_since": min(opened_since, week_start)})
    return {row.owner_id: (int(row.opened_since), int(row.in_week)) for row in rows}


def _sums_of(row) -> ClosedSums:
    counts = (int(row.won), int(row.lost), int(row.won_amount or 0), int(row.won_with_amount))
    return ClosedSums(*counts, float(row.won_days or 0.0), int(row.implausible))


@lru_cache(maxsize=4)
def _team_history_statement(dialect: str) -> Select:
    return select(*_closed_sums(dialect)).where(Opportunity.team_id == bindparam("team_id"), _closed_since())


def team_history(db: Database, team_id: str, closed_since: datetime) -> ClosedSums:
    """The whole workspace's deals closed since a moment as one history, read through the (team, status,
    closed_at) index of migration 0001: only those rows are visited, however many deals are open or old."""
    params = {"team_id": team_id, "closed_since": closed_since}
    [row] = fetched(db, _team_history_statement(db.dialect), params)
    return _sums_of(row)


@lru_cache(maxsize=4)
def _largest_closing_statement(scope: str) -> Select:
    place = (
        func.row_number()
        .over(partition_by=Opportunity.owner_id, order_by=(Opportunity.amount.desc(), Opportunity.id))
        .label("place")
    )
    ranked = select(Opportunity.owner_id, Opportunity.id, Opportunity.name, Opportunity.amount, place).where(
        Opportunity.team_id == bindparam("team_id"),
        Opportunity.status == OPEN,
        Opportunity.expected_close <= bindparam("period_end"),
        Opportunity.amount > 0,
    )
    ranked = ranked.where(*_owners(Opportunity.owner_id, scope)).subquery("ranked")
    return select(ranked).where(ranked.c.place == 1)


def largest_closing(
    db: Database, team_id: str, period_end: date, user_id: str | None = None, user_ids: Collection[str] | None = None
) -> dict[str, tuple[int, str, int]]:
    """Per rep (or one rep's, or among `user_ids`): (id, name, amount) of the largest open deal expected to
    close by period_end (overdue ones included), ties to the lowest id. One ranked pass over the open deals."""
    params = {"team_id": team_id, "period_end": period_end, "user_id": user_id, "user_ids": sorted(user_ids or ())}
    rows = fetched(db, _largest_closing_statement(_scope(user_id, user_ids)), params)
    return {row.owner_id: (int(row.id), row.name, int(row.amount)) for row in rows}


def _scope(user_id: str | None, user_ids: Collection[str] | None) -> str:
    """Which of a statement's built-once variants: the workspace's reps, one rep's, or some reps'."""
    return "one" if user_id is not None else "some" if user_ids is not None else "all"


def _owners(column, scope: str) -> tuple:
    """The filter on a rep column for a scope, on bound parameters (`user_id`, or the expanding `user_ids`)."""
    if scope == "one":
        return (column == bindparam("user_id"),)
    if scope == "some":
        return (column.in_(bindparam("user_ids", expanding=True)),)
    return ()


@lru_cache(maxsize=3)
def _quotas_statement(scope: str) -> Select:
    query = select(Quota.user_id, Quota.amount).where(
        Quota.team_id == bindparam("team_id"), Quota.period_start == bindparam("period_start")
    )
    return query.where(*_owners(Quota.user_id, scope))


def quotas(
    db: Database, team_id: str, period_start: date, user_id: str | None = None, user_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Each rep's quota (or one rep's, or some reps') for the period starting on period_start."""
    params = {"team_id": team_id, "period_start": period_start, "user_id": user_id, "user_ids": sorted(user_ids or ())}
    rows = fetched(db, _quotas_statement(_scope(user_id, user_ids)), params)
    return {user: int(amount) for user, amount in rows}


def early_deals(db: Database, team_id: str, stages: tuple[str, ...], limit: int) -> tuple[list[OpportunityView], int]:
    """Open deals in the early stages, largest first (then newest), capped, with the true total."""
    where = (Opportunity.team_id == team_id, Opportunity.status == OPEN, Opportunity.stage.in_(stages))
    with db.transaction() as session:
        total = session.scalar(select(func.count()).where(*where)) or 0
        rows = session.scalars(
            select(Opportunity)
            .where(*where)
            .order_by(Opportunity.amount.desc().nulls_last(), Opportunity.created_at.desc(), Opportunity.id)
            .limit(limit)
        ).all()
        return [view_of(row) for row in rows], int(total)


def won_in_period(
    db: Database, team_id: str, start_at: datetime, end_at: datetime, user_ids: Collection[str]
) -> dict[str, int]:
    """What each of some reps won between two moments (amounts summed), through the (team, owner, status)
    index: a rep's won deals only, never the workspace's history."""
    if not user_ids:
        return {}
    query = (
        select(Opportunity.owner_id, func.coalesce(func.sum(Opportunity.amount), 0))
        .where(
            Opportunity.team_id == team_id,
            Opportunity.owner_id.in_(sorted(user_ids)),
            Opportunity.status == WON,
            Opportunity.closed_at >= start_at,
            Opportunity.closed_at < end_at,
        )
        .group_by(Opportunity.owner_id)
    )
    with db.transaction() as session:
        return {owner: int(amount) for owner, amount in session.execute(query)}


@dataclass(frozen=True)
class EarlyDealRow:
    """One open early-stage deal of a rep: what the real gap in openings credits."""

    amount: int | None
    expected_close: date | None
    created_at: datetime


def rep_early_deals(db: Database, team_id: str, user_id: str, stages: tuple[str, ...]) -> list[EarlyDealRow]:
    """One rep's open deals in the early stages, through the (team, owner, status) index of migration 0001."""
    query = select(Opportunity.amount, Opportunity.expected_close, Opportunity.created_at).where(
        Opportunity.team_id == team_id,
        Opportunity.owner_id == user_id,
        Opportunity.status == OPEN,
        Opportunity.stage.in_(stages),
    )
    with db.transaction() as session:
        return [EarlyDealRow(row.amount, row.expected_close, row.created_at) for row in session.execute(query)]


def open_amounts_by_stage(
    db: Database, team_id: str, user_id: str | None = None, user_ids: Collection[str] | None = None
) -> dict[str, dict[str, int]]:
    """Per rep (or for one rep, or some reps): the amounts of their open deals summed per stage, for the
    weighted pipeline."""
    query = (
        select(Opportunity.owner_id, Opportunity.stage, func.sum(Opportunity.amount).label("amount"))
        .where(Opportunity.team_id == team_id, Opportunity.status == OPEN, Opportunity.amount > 0)
        .group_by(Opportunity.owner_id, Opportunity.stage)
    )
    if user_id is not None:
        query = query.where(Opportunity.owner_id == user_id)
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(Opportunity.owner_id.in_(sorted(set(user_ids))))
    found: dict[str, dict[str, int]] = {}
    with db.transaction() as session:
        for row in session.execute(query):
            found.setdefault(row.owner_id, {})[row.stage] = int(row.amount or 0)
    return found


def crm_stage_weights(db: Database, team_id: str) -> dict[str, float]:
    """The CRM's probability of winning in each of our stages, as its last sync read them (none: {})."""
    with db.transaction() as session:
        kept = session.scalars(
            select(CrmSyncState.stage_weights).where(
                CrmSyncState.team_id == team_id, CrmSyncState.stage_weights.is_not(None)
            )
        ).all()
    weights: dict[str, float] = {}
    for text in kept:
        try:
            found = json.loads(text)
        except ValueError:
            continue
        if isinstance(found, dict):
            weights.update({str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))})
    return weights
