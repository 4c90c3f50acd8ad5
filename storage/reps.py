"""Reps' coaching settings and cached Slack facts (time zone, reachable). Bulk reads per workspace."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, exists, literal, select, union, update

from storage import workspaces
from storage.crm_owners import PLACEHOLDER
from storage.db import Database
from storage.models import Activity, CrmOwner, Opportunity, Rep
from storage.upsert import insert_for


@dataclass(frozen=True)
class RepSettings:
    """A rep's row; None in hours, days, reflection slot or holiday calendar means the team's default."""

    team_id: str
    user_id: str
    tz: str | None = None
    tz_checked_at: datetime | None = None
    coaching_enabled: bool = True
    snoozed_until: datetime | None = None
    work_start: str | None = None
    work_end: str | None = None
    work_days: str | None = None
    reflection_weekday: int | None = None
    reflection_time: str | None = None
    undeliverable_reason: str | None = None
    last_nudged_at: datetime | None = None
    holiday_calendar: str | None = None


_FIELDS = (
    "tz",
    "tz_checked_at",
    "coaching_enabled",
    "snoozed_until",
    "work_start",
    "work_end",
    "work_days",
    "reflection_weekday",
    "reflection_time",
    "undeliverable_reason",
    "last_nudged_at",
    "holiday_calendar",
)


_COLUMNS = (Rep.team_id, Rep.user_id, *(getattr(Rep, name) for name in _FIELDS))  # RepSettings' order


def _settings(row: Rep) -> RepSettings:
    return RepSettings(row.team_id, row.user_id, **{name: getattr(row, name) for name in _FIELDS})


def teams(db: Database) -> list[str]:
    """Every workspace that uses the bot: the jobs walk them one at a time (the small workspaces table)."""
    return workspaces.teams(db)


def ensure_reps(db: Database, team_id: str, user_ids: Iterable[str], now: datetime) -> None:
    """Create default rows for reps we have not seen yet, in one statement (others are left as they are)."""
    rows = [
        {"team_id": team_id, "user_id": user, "coaching_enabled": True, "created_at": now} for user in set(user_ids)
    ]
    if not rows:
        return
    statement = insert_for(db)(Rep.__table__).on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    with db.transaction() as session:
        workspaces.note_workspaces(db, [team_id], now)
        session.execute(statement, rows)


# Who is a rep: a person with a deal, logged time, coaching settings or a CRM owner matched to them,
# however the row got there (a Slack command, a CSV import, the CRM sync). The jobs enrol them all.


def _distinct(column, name: str, *where) -> Select:
    """The distinct values of an indexed column, one index seek each (a loose index scan): the cost follows
    how many there are, never how many rows hold them (ten years of activity cost no more than one week)."""
    first = select(column.label("value")).where(*where).order_by(column).limit(1).subquery()
    seen = select(first.c.value).cte(name, recursive=True)
    following = select(column).where(*where, column > seen.c.value).order_by(column).limit(1).scalar_subquery()
    seen = seen.union_all(select(following).where(seen.c.value.is_not(None)))
    return select(seen.c.value).where(seen.c.value.is_not(None))


def _distinct_page(column, name: str, after: str, size: int, *where) -> Select:
    """Up to `size` distinct values of an indexed column above `after`, in order, one index seek each (the
    loose index scan above, a page at a time, so each statement stays short whatever the workspace's size)."""
    first = (
        select(column.label("value"), literal(1).label("depth"))
        .where(*where, column > after)
        .order_by(column)
        .limit(1)
        .subquery()
    )
    seen = select(first.c.value, first.c.depth).cte(name, recursive=True)
    following = select(column).where(*where, column > seen.c.value).order_by(column).limit(1).scalar_subquery()
    seen = seen.union_all(select(following, seen.c.depth + 1).where(seen.c.value.is_not(None), seen.c.depth < size))
    return select(seen.c.value).where(seen.c.value.is_not(None))


def someone(owner) -> ColumnElement[bool]:
    """A deal's owner is a person: not a deal still waiting for its CRM owner's Slack match (nobody's yet)."""
    return ~owner.startswith(PLACEHOLDER, autoescape=True)


def _people(team_id: str) -> CompoundSelect:
    """The workspace's reps, by the definition above."""
    owners = _distinct(Opportunity.owner_id, "deal_owners", Opportunity.team_id == team_id).subquery()
    return union(
        select(Rep.user_id.label("user_id")).where(Rep.team_id == team_id),
        select(owners.c.value).where(someone(owners.c.value)),
        _distinct(Activity.user_id, "time_loggers", Activity.team_id == team_id),
        select(CrmOwner.slack_user_id).where(CrmOwner.team_id == team_id, CrmOwner.slack_user_id.is_not(None)),
    )


def people(db: Database, team_id: str, leaving_out: Collection[str] = ()) -> set[str]:
    """Every rep of the workspace, whether or not they have a settings row yet. `leaving_out` (the
    managers, whose digest gives them a settings row) are left out unless they own a deal or logged time."""
    left_out = sorted(set(leaving_out))
    with db.transaction() as session:
        found = set(session.scalars(_people(team_id)))
        if not left_out:
            return found
        selling = union(
            select(Opportunity.owner_id).where(Opportunity.team_id == team_id, Opportunity.owner_id.in_(left_out)),
            select(Activity.user_id).where(Activity.team_id == team_id, Activity.user_id.in_(left_out)),
        )
        sellers = set(session.scalars(selling))
    return found - (set(left_out) - sellers)


def enrol_everyone(db: Database, now: datetime, skip: Collection[str] = ()) -> int:
    """Give every rep of every workspace (but `skip`: those uninstalled) who has none a settings row (and
    the workspace its row), so the jobs, which read the reps table, reach reps whose deals came from an
    import or the CRM. Each tick of each job starts with it; it costs index seeks per person and
    workspace, not a pass over the history."""
    teams = union(
        _distinct(Opportunity.team_id, "deal_teams"),
        _distinct(Activity.team_id, "time_teams"),
        select(CrmOwner.team_id).where(CrmOwner.slack_user_id.is_not(None)),
    )
    with db.transaction() as session:
        team_ids = sorted(set(session.scalars(teams)) - set(skip))
    return sum(_enrol_team(db, team_id, now) for team_id in team_ids)


ENROL_PAGE = 2000  # people a statement looks at: each transaction stays short at 50,000 reps


def _enrol_team(db: Database, team_id: str, now: datetime) -> int:
    """One workspace's people without a settings row get one, ENROL_PAGE deal owners or time loggers a
    transaction (the loose index scan, a page at a time), then its matched CRM owners."""
    enrolled = 0
    for column, where in (
        (Opportunity.owner_id, Opportunity.team_id == team_id),
        (Activity.user_id, Activity.team_id == team_id),
    ):
        after = ""
        while True:
            with db.transaction() as session:
                found = list(session.scalars(_distinct_page(column, "people_page", after, ENROL_PAGE, where)))
                known = set(session.scalars(select(Rep.user_id).where(Rep.team_id == team_id, Rep.user_id.in_(found))))
            new = [user for user in found if user not in known and not user.startswith(PLACEHOLDER)]
            ensure_reps(db, team_id, new, now)
            enrolled += len(new)
            if len(found) < ENROL_PAGE:
                break
            after = max(found)
    matched = select(CrmOwner.slack_user_id).where(
        CrmOwner.team_id == team_id,
        CrmOwner.slack_user_id.is_not(None),
        ~exists(select(Rep.id).where(Rep.team_id == team_id, Rep.user_id == CrmOwner.slack_user_id)),
    )
    with db.transaction() as session:
        new = list(session.scalars(matched))
    ensure_reps(db, team_id, new, now)
    return enrolled + len(new)


def reps_of_team(db: Database, team_id: str) -> dict[str, RepSettings]:
    """Every rep in the workspace with a settings row, by user id (one statement)."""
    with db.transaction() as session:
        rows = session.scalars(select(Rep).where(Rep.team_id == team_id).order_by(Rep.user_id))
        return {row.user_id: _settings(row) for row in rows}


PAGE_SIZE = 500  # reps a page: a tick holds one page of settings at a time, whatever the workspace's size


def reps_in_pages(db: Database, team_id: str, size: int | None = None) -> Iterator[list[RepSettings]]:
    """Every rep in the workspace with a settings row, a page (PAGE_SIZE) at a time in user-id order: keyset
    paging on the (team, user) key, so each page is one index range however many reps come before it."""
    size = size or PAGE_SIZE
    after = ""
    while True:
        query = select(*_COLUMNS).where(Rep.team_id == team_id, Rep.user_id > after).order_by(Rep.user_id)
        with db.transaction() as session:
            page = [RepSettings(*row) for row in session.execute(query.limit(size))]
        if page:
            yield page
        if len(page) < size:
            return
        after = page[-1].user_id


def get_or_create_rep(db: Database, team_id: str, user_id: str, now: datetime) -> RepSettings:
    """The rep's settings, creating the default row the first time we meet them."""
    ensure_reps(db, team_id, [user_id], now)
    with db.transaction() as session:
        row = session.scalar(select(Rep).where(Rep.team_id == team_id, Rep.user_id == user_id))
        return _settings(row)


def update_rep(db: Database, team_id: str, user_id: str, now: datetime, **values: object) -> RepSettings:
    """Change some of a rep's settings (field names as in RepSettings) and return the new row."""
    unknown = set(values) - set(_FIELDS) - {"undeliverable_at"}
    if unknown:
        raise ValueError(f"not rep settings: {sorted(unknown)}")
    ensure_reps(db, team_id, [user_id], now)
    with db.transaction() as session:
        session.execute(update(Rep).where(Rep.team_id == team_id, Rep.user_id == user_id).values(**values))
    return get_or_create_rep(db, team_id, user_id, now)


def save_time_zones(
    db: Database, team_id: str, zones: dict[str, str | None], now: datetime, gone: dict[str, str] | None = None
) -> None:
    """Cache what users.info said for many reps at once (one executemany), and mark those who are gone."""
    with db.transaction() as session:
        if zones:
            statement = (
                update(Rep.__table__)
                .where(Rep.__table__.c.team_id == team_id, Rep.__table__.c.user_id == bindparam("uid"))
                .values(tz=bindparam("zone"), tz_checked_at=now)
            )
            session.execute(statement, [{"uid": user, "zone": zone} for user, zone in zones.items()])
        if gone:
            statement = (
                update(Rep.__table__)
                .where(Rep.__table__.c.team_id == team_id, Rep.__table__.c.user_id == bindparam("uid"))
                .values(undeliverable_reason=bindparam("reason"), undeliverable_at=now, tz_checked_at=now)
            )
            session.execute(statement, [{"uid": user, "reason": reason[:64]} for user, reason in gone.items()])


def reps_of(db: Database, team_id: str, user_ids: Iterable[str]) -> dict[str, RepSettings]:
    """The rows of these reps that exist: one statement per PAGE_SIZE of them, so a long list (every claim
    due again after an outage) stays inside the database's limit on bound parameters."""
    wanted = sorted(set(user_ids))
    found: dict[str, RepSettings] = {}
    with db.transaction() as session:
        for first in range(0, len(wanted), PAGE_SIZE):
            page = wanted[first : first + PAGE_SIZE]
            rows = session.execute(select(*_COLUMNS).where(Rep.team_id == team_id, Rep.user_id.in_(page)))
            found.update((row.user_id, RepSettings(*row)) for row in rows)
    return found
