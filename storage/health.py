"""One rep's health report in one statement: a UNION ALL of grouped aggregates over the rep's own rows.

The work grows with that rep's rows in the window, not with the table: each branch reaches its rows
through an index of migration 0001 (opportunities by team, owner and status) or 0002 (activities by
team, rep and day; by opportunity and day; quotas by their key).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from storage.concentration import counted_per_deal
from storage.db import Database
from storage.models import Activity, CapturedTime, Opportunity, Quota
from storage.records import (
    DEAL,
    LOST,
    OPEN,
    WON,
    DealTime,
    HealthData,
    HealthWindow,
    KindTotal,
    StalledDeal,
)
from storage.types import UtcDateTime

STALLED_LISTED = 10
UNPLACED = "unplaced"  # captured meetings the rules could not place (bot/rules/capture.py)


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
    "closed_since",
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
    ).where(*mine, Opportunity.status.in_((WON, LOST)), Opportunity.closed_at >= window.closed_since)

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

    # Hand-logged and captured time together, each hour once (storage/concentration.py's rule).
    counted = counted_per_deal(team_id, window.time_since, window.today, lambda column: column == user_id, "deal_time")
    deal_time = (
        select(
            tag("time"),
            counted.c.opportunity_id,
            func.max(Opportunity.name),
            func.sum(counted.c.minutes),
            func.sum(counted.c.captured),
            no_number,
            no_number,
            no_time,
        )
        .select_from(counted)
        .outerjoin(Opportunity, and_(Opportunity.id == counted.c.opportunity_id, Opportunity.team_id == team_id))
        .group_by(counted.c.opportunity_id)
        .having(func.sum(counted.c.minutes) > 0)
    )
    unplaced = select(
        tag("unplaced"),
        no_number,
        no_label,
        _typed(func.count(), BigInteger),
        _typed(func.coalesce(func.sum(CapturedTime.minutes), 0), BigInteger),
        no_number,
        no_number,
        no_time,
    ).where(
        CapturedTime.team_id == team_id,
        CapturedTime.user_id == user_id,
        CapturedTime.occurred_on >= window.time_since,
        CapturedTime.occurred_on <= window.today,
        CapturedTime.placement == UNPLACED,
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
        .where(
            *mine,
            Opportunity.status == OPEN,
            Opportunity.last_change_at <= window.stalled_before,
            Opportunity.paused_at.is_(None),  # a deal the rep stepped back from is paused, not stalled
            ~recent_work,
        )
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
    return union_all(opened_open, closed, quota, weeks, kinds, deal_time, stalled, unplaced)


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
    unplaced = (found.get("unplaced") or [None])[0]
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
                (DealTime(row.key, row.label, int(row.a), int(row.b or 0)) for row in found.get("time", ())),
                key=lambda item: (item.opportunity_id is not None, item.opportunity_id or 0),
            )
        ),
        stalled=tuple(StalledDeal(int(row.key), row.label, row.a, row.at) for row in stalled),
        stalled_count=int(stalled[0].b) if stalled else 0,
        unplaced_meetings=int(unplaced.a) if unplaced else 0,
        unplaced_minutes=int(unplaced.b) if unplaced else 0,
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
