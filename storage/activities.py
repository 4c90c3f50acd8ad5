"""Logged selling time, quotas, and the aggregates the health report and the coaching jobs read.

Every figure is aggregated in SQL (GROUP BY over a window), filtered by workspace and, for one rep's
report, by rep, so the work grows with that rep's rows in the window and not with the whole table.
The indexes this relies on are in migration 0002 (activities by team, rep and day; by team and day;
by opportunity and day) and 0001 (opportunities by team, owner and status).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Activity, Opportunity, Quota
from storage.opportunities import LOST, OPEN, WON, NotOpen
from storage.types import UtcDateTime

DEAL = "deal"
UNDO_WINDOW = timedelta(minutes=10)
STALLED_LISTED = 10
MAX_BACKDATE_DAYS = 90


# --- Logging ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewActivity:
    """One entry a rep typed or submitted, already validated.

    Deal work has kind "deal" and an opportunity_id; prospecting has a prospecting kind, touches = the
    count, and minutes that may be 0.
    """

    kind: str
    occurred_on: date
    minutes: int = 0
    touches: int = 0
    opportunity_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class ActivityView:
    id: int
    team_id: str
    user_id: str
    kind: str
    opportunity_id: int | None
    opportunity_name: str | None
    touches: int
    minutes: int
    occurred_on: date
    note: str | None
    created_at: datetime


def log_activity(db: Database, team_id: str, user_id: str, entry: NewActivity, now: datetime) -> ActivityView:
    """Store one entry. Deal work must be on one of the rep's own open deals, else NotOpen is raised."""
    with db.transaction() as session:
        name = None
        if entry.opportunity_id is not None:
            name = session.scalar(
                select(Opportunity.name).where(
                    Opportunity.id == entry.opportunity_id,
                    Opportunity.team_id == team_id,
                    Opportunity.owner_id == user_id,
                    Opportunity.status == OPEN,
                )
            )
            if name is None:
                raise NotOpen(entry.opportunity_id)
        row = Activity(
            team_id=team_id,
            user_id=user_id,
            kind=entry.kind,
            opportunity_id=entry.opportunity_id,
            touches=entry.touches,
            minutes=entry.minutes,
            occurred_on=entry.occurred_on,
            note=entry.note,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return _activity_view(row, name)


def undo_last(db: Database, team_id: str, user_id: str, now: datetime) -> ActivityView | None:
    """Delete the rep's most recent entry if it was made in the last 10 minutes; return what was removed."""
    with db.transaction() as session:
        found = session.execute(
            select(Activity, Opportunity.name)
            .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
            .where(
                Activity.team_id == team_id,
                Activity.user_id == user_id,
                Activity.created_at >= now - UNDO_WINDOW,
                # Entries are backdated at most 90 days, so this bound lets the (team, rep, day) index
                # keep the scan to the rep's recent rows.
                Activity.occurred_on >= now.date() - timedelta(days=MAX_BACKDATE_DAYS + 2),
            )
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(1)
            .with_for_update(of=Activity)
        ).first()
        if found is None:
            return None
        row, name = found
        view = _activity_view(row, name)
        session.execute(delete(Activity).where(Activity.id == row.id, Activity.team_id == team_id))
        return view


def _activity_view(row: Activity, opportunity_name: str | None) -> ActivityView:
    return ActivityView(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        kind=row.kind,
        opportunity_id=row.opportunity_id,
        opportunity_name=opportunity_name,
        touches=row.touches,
        minutes=row.minutes,
        occurred_on=row.occurred_on,
        note=row.note,
        created_at=row.created_at,
    )


# --- Quotas ----------------------------------------------------------------------------------------


def set_quota(db: Database, team_id: str, user_id: str, period_start: date, amount: int, now: datetime) -> None:
    """Set (or replace) the rep's quota for the period starting on period_start."""
    for attempt in range(2):
        try:
            with db.transaction() as session:
                row = session.scalar(
                    select(Quota)
                    .where(Quota.team_id == team_id, Quota.user_id == user_id, Quota.period_start == period_start)
                    .with_for_update()
                )
                if row is None:
                    session.add(
                        Quota(team_id=team_id, user_id=user_id, period_start=period_start, amount=amount, set_at=now)
                    )
                else:
                    row.amount, row.set_at = amount, now
            return
        except IntegrityError:
            if attempt:  # Two saves raced to insert the same period; the second pass updates instead.
                raise


def get_quota(db: Database, team_id: str, user_id: str, period_start: date) -> int | None:
    with db.transaction() as session:
        return session.scalar(
            select(Quota.amount).where(
                Quota.team_id == team_id, Quota.user_id == user_id, Quota.period_start == period_start
            )
        )


# --- Selling time across the workspace --------------------------------------------------------------


@dataclass(frozen=True)
class RepSellingTime:
    """One rep's logged minutes over a window: in all, on prospecting, and on their top deal."""

    user_id: str
    total_minutes: int
    prospecting_minutes: int
    top_opportunity_id: int | None
    top_opportunity_name: str | None
    top_opportunity_minutes: int


def selling_time_by_rep(db: Database, team_id: str, since: date, until: date) -> list[RepSellingTime]:
    """Every rep in the workspace with logged minutes on days since..until (inclusive), in one SQL pass.

    The top deal is the opportunity with the most minutes (ties: lowest id); prospecting never is.
    Ordered by user id.
    """
    with db.transaction() as session:
        rows = session.connection().execute(_selling_time_query(), {"team_id": team_id, "since": since, "until": until})
        return [
            RepSellingTime(
                user_id=row.user_id,
                total_minutes=int(row.total),
                prospecting_minutes=int(row.prospecting or 0),
                top_opportunity_id=row.top_id,
                top_opportunity_name=row.top_name,
                top_opportunity_minutes=int(row.top_minutes or 0),
            )
            for row in rows
        ]


@lru_cache(maxsize=1)
def _selling_time_query() -> Select:
    """Built once; team_id, since and until are bound at execution."""
    team_id = bindparam("team_id")
    in_window = (
        Activity.team_id == team_id,
        Activity.occurred_on >= bindparam("since"),
        Activity.occurred_on <= bindparam("until"),
    )
    per_deal = (
        select(Activity.user_id, Activity.opportunity_id, func.sum(Activity.minutes).label("minutes"))
        .where(*in_window)
        .group_by(Activity.user_id, Activity.opportunity_id)
        .cte("per_deal")
    )
    is_prospecting = per_deal.c.opportunity_id.is_(None)
    ranked = select(
        per_deal,
        func.row_number()
        .over(
            partition_by=per_deal.c.user_id,
            order_by=(is_prospecting, per_deal.c.minutes.desc(), per_deal.c.opportunity_id),
        )
        .label("place"),
    ).cte("ranked")
    top = and_(ranked.c.place == 1, ranked.c.opportunity_id.is_not(None))
    per_rep = (
        select(
            ranked.c.user_id,
            func.sum(ranked.c.minutes).label("total"),
            func.sum(case((ranked.c.opportunity_id.is_(None), ranked.c.minutes), else_=0)).label("prospecting"),
            func.max(case((top, ranked.c.opportunity_id))).label("top_id"),
            func.max(case((top, ranked.c.minutes), else_=0)).label("top_minutes"),
        )
        .group_by(ranked.c.user_id)
        .having(func.sum(ranked.c.minutes) > 0)
        .subquery("per_rep")
    )
    # The name is looked up once per rep, for the top deal only.
    return (
        select(per_rep, Opportunity.name.label("top_name"))
        .outerjoin(Opportunity, and_(Opportunity.id == per_rep.c.top_id, Opportunity.team_id == team_id))
        .order_by(per_rep.c.user_id)
    )


def last_opened_by_rep(db: Database, team_id: str) -> dict[str, datetime]:
    """When each rep in the workspace last opened an opportunity (one GROUP BY)."""
    query = (
        select(Opportunity.owner_id, func.max(Opportunity.created_at))
        .where(Opportunity.team_id == team_id)
        .group_by(Opportunity.owner_id)
    )
    with db.transaction() as session:
        return {owner: opened for owner, opened in session.execute(query)}


# --- One rep's health report -------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthWindow:
    """The dates and instants one report is measured over, worked out by the caller in the team's zone.

    week_starts are the UTC instants of Monday 00:00 for this week and the weeks before it, newest first.
    """

    today: date
    period_start: date
    period_end: date
    period_start_at: datetime
    period_end_at: datetime
    week_starts: tuple[datetime, ...]
    week_first_day: date
    time_since: date
    stalled_before: datetime
    stalled_quiet_since: date


@dataclass(frozen=True)
class KindTotal:
    kind: str
    touches: int
    minutes: int


@dataclass(frozen=True)
class DealTime:
    """Minutes logged on one opportunity in the window; opportunity_id None is prospecting."""

    opportunity_id: int | None
    name: str | None
    minutes: int


@dataclass(frozen=True)
class StalledDeal:
    id: int
    name: str
    amount: int | None
    last_change_at: datetime


@dataclass(frozen=True)
class HealthData:
    """Exactly the aggregates the health figures need for one rep; no raw rows."""

    open_count: int
    open_value: int
    largest_open: int
    open_in_period: int
    won_in_period: int
    won_count: int
    lost_count: int
    quota: int | None
    opened_by_week: tuple[int, ...]
    prospecting_this_week: tuple[KindTotal, ...]
    time_by_deal: tuple[DealTime, ...]
    stalled: tuple[StalledDeal, ...]
    stalled_count: int


def _typed(value, type_):
    return cast(value, type_)


_WINDOW_FIELDS = (
    "today",
    "period_start",
    "period_end",
    "period_start_at",
    "period_end_at",
    "week_first_day",
    "time_since",
    "stalled_before",
    "stalled_quiet_since",
)


def health_statement(team_id: str, user_id: str, window: HealthWindow) -> tuple[CompoundSelect, dict]:
    """The statement for one rep's report and its parameters (the statement is built once per week count)."""
    params = {name: getattr(window, name) for name in _WINDOW_FIELDS}
    params |= {f"week_{number}": start for number, start in enumerate(window.week_starts)}
    return _health_statement(len(window.week_starts)), params | {"team_id": team_id, "user_id": user_id}


@lru_cache(maxsize=8)
def _health_statement(weeks: int) -> CompoundSelect:
    """One UNION ALL statement (one round trip) returning every aggregate of a rep's report as tagged rows.

    Each branch is a GROUP BY or a capped list over the rep's own rows, reached through an index:
    open and closed deals by (team, owner, status), activities by (team, rep, day), the quota by its key.
    Columns: part, key, label, a, b, c, d, at. Every value is a bound parameter, so the construct is built
    (and compiled) once and reused.
    """
    team_id, user_id = bindparam("team_id"), bindparam("user_id")
    window = SimpleNamespace(**{name: bindparam(name) for name in _WINDOW_FIELDS})
    no_number = _typed(null(), BigInteger)
    no_label = _typed(null(), String)
    no_time = _typed(null(), UtcDateTime())
    mine = (Opportunity.team_id == team_id, Opportunity.owner_id == user_id)
    my_activities = (Activity.team_id == team_id, Activity.user_id == user_id)

    def tag(name: str):
        return literal_column(f"'{name}'", String).label("part")

    opened_open = select(
        tag("open"),
        no_number.label("key"),
        no_label.label("label"),
        _typed(func.count(), BigInteger).label("a"),
        _typed(func.coalesce(func.sum(Opportunity.amount), 0), BigInteger).label("b"),
        _typed(func.coalesce(func.max(Opportunity.amount), 0), BigInteger).label("c"),
        _typed(
            func.coalesce(
                func.sum(case((Opportunity.expected_close <= window.period_end, Opportunity.amount), else_=0)), 0
            ),
            BigInteger,
        ).label("d"),
        no_time.label("at"),
    ).where(*mine, Opportunity.status == OPEN)

    won_this_period = and_(
        Opportunity.status == WON,
        Opportunity.closed_at >= window.period_start_at,
        Opportunity.closed_at < window.period_end_at,
    )
    closed = select(
        tag("closed"),
        no_number,
        no_label,
        func.count(case((Opportunity.status == WON, 1))),
        func.count(case((Opportunity.status == LOST, 1))),
        func.coalesce(func.sum(case((won_this_period, Opportunity.amount), else_=0)), 0),
        no_number,
        no_time,
    ).where(*mine, Opportunity.status.in_((WON, LOST)))

    quota = select(tag("quota"), no_number, no_label, Quota.amount, no_number, no_number, no_number, no_time).where(
        Quota.team_id == team_id, Quota.user_id == user_id, Quota.period_start == window.period_start
    )

    boundaries = [bindparam(f"week_{number}") for number in range(weeks)]
    week = case(
        *(
            (Opportunity.created_at >= start, literal_column(str(number), BigInteger))
            for number, start in enumerate(boundaries)
        )
    )
    opened = select(week.label("week")).where(*mine, Opportunity.created_at >= boundaries[-1]).subquery("opened")
    weeks = select(
        tag("week"), opened.c.week, no_label, func.count(), no_number, no_number, no_number, no_time
    ).group_by(opened.c.week)

    kinds = (
        select(
            tag("kind"),
            no_number,
            Activity.kind,
            func.sum(Activity.touches),
            func.sum(Activity.minutes),
            no_number,
            no_number,
            no_time,
        )
        .where(
            *my_activities,
            Activity.occurred_on >= window.week_first_day,
            Activity.occurred_on <= window.today,
            # Prospecting rows, by kind: a test on opportunity_id would tempt the planner into the
            # (opportunity, day) index and a scan of the whole team's prospecting for the week.
            Activity.kind != DEAL,
        )
        .group_by(Activity.kind)
    )

    deal_time = (
        select(
            tag("time"),
            Activity.opportunity_id,
            func.max(Opportunity.name),
            func.sum(Activity.minutes),
            no_number,
            no_number,
            no_number,
            no_time,
        )
        .select_from(Activity)
        .outerjoin(Opportunity, and_(Opportunity.id == Activity.opportunity_id, Opportunity.team_id == team_id))
        .where(*my_activities, Activity.occurred_on >= window.time_since, Activity.occurred_on <= window.today)
        .group_by(Activity.opportunity_id)
        .having(func.sum(Activity.minutes) > 0)
    )

    recent_work = exists().where(
        Activity.team_id == team_id,
        Activity.opportunity_id == Opportunity.id,
        Activity.occurred_on >= window.stalled_quiet_since,
    )
    stalled_rows = (
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.amount,
            Opportunity.last_change_at,
            func.count().over().label("total"),
        )
        .where(*mine, Opportunity.status == OPEN, Opportunity.last_change_at <= window.stalled_before, ~recent_work)
        .order_by(Opportunity.last_change_at, Opportunity.id)
        .limit(STALLED_LISTED)
        .subquery("stalled")
    )
    stalled = select(
        tag("stalled"),
        stalled_rows.c.id,
        stalled_rows.c.name,
        stalled_rows.c.amount,
        stalled_rows.c.total,
        no_number,
        no_number,
        stalled_rows.c.last_change_at,
    )
    return union_all(opened_open, closed, quota, weeks, kinds, deal_time, stalled)


def health_from_rows(rows: Sequence, weeks: int) -> HealthData:
    """Turn the tagged rows of health_statement (or of an equivalent hand-written query) into HealthData."""
    found: dict[str, list] = {}
    for row in rows:  # One row per aggregate (a few dozen at most), never per activity.
        found.setdefault(row.part, []).append(row)
    [opened] = found["open"]
    closed = (found.get("closed") or [None])[0]
    quota = (found.get("quota") or [None])[0]
    by_week = {int(row.key): int(row.a) for row in found.get("week", ())}
    stalled = sorted(found.get("stalled", ()), key=lambda row: (row.at, row.key))
    return HealthData(
        open_count=int(opened.a),
        open_value=int(opened.b),
        largest_open=int(opened.c),
        open_in_period=int(opened.d),
        won_count=int(closed.a) if closed else 0,
        lost_count=int(closed.b) if closed else 0,
        won_in_period=int(closed.c) if closed else 0,
        quota=int(quota.a) if quota else None,
        opened_by_week=tuple(by_week.get(number, 0) for number in range(weeks)),
        prospecting_this_week=tuple(
            sorted((KindTotal(row.label, int(row.a), int(row.b)) for row in found.get("kind", ())), key=_by_kind)
        ),
        time_by_deal=tuple(
            sorted(
                (DealTime(row.key, row.label, int(row.a)) for row in found.get("time", ())),
                key=lambda item: (item.opportunity_id is not None, item.opportunity_id or 0),
            )
        ),
        stalled=tuple(StalledDeal(int(row.key), row.label, row.a, row.at) for row in stalled),
        stalled_count=int(stalled[0].b) if stalled else 0,
    )


def _by_kind(total: KindTotal) -> str:
    return total.kind


def health_data(db: Database, team_id: str, user_id: str, window: HealthWindow) -> HealthData:
    """Everything one rep's health report needs, in one statement and one round trip."""
    statement, params = health_statement(team_id, user_id, window)
    with db.transaction() as session:
        # A plain Core statement: run it on the session's connection, skipping the ORM's execution layer.
        rows = session.connection().execute(statement, params).all()
    return health_from_rows(rows, len(window.week_starts))
