"""Captured time: store each meeting once under its key, reconcile a read window (what is gone from the
source is removed), the reps' choices per attendee domain, and the small reads replies and questions need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, delete, func, select, update

from storage.db import Database
from storage.models import Activity, CapturedTime, CrmLink, DomainChoice, Opportunity
from storage.rows import columns_of, read_row
from storage.upsert import insert_for

REP_CHOICE = "rep"  # a placement the rep made by hand: a later read keeps it


@dataclass(frozen=True)
class Entry:
    """One meeting as it is to be stored (placed by the rules, the title only if kept)."""

    key: str
    starts_at: datetime
    minutes: int
    occurred_on: date
    placement: str
    opportunity_id: int | None
    rule: str
    domains: str | None
    title: str | None


@dataclass(frozen=True)
class Reconciled:
    added: int
    changed: int
    removed: int


@dataclass(frozen=True)
class Unplaced:
    id: int
    user_id: str
    starts_at: datetime
    minutes: int
    domains: str | None
    title: str | None


def reconcile(
    db: Database,
    team_id: str,
    user_id: str,
    source: str,
    since: datetime,
    until: datetime,
    entries: Iterable[Entry],
    now: datetime,
) -> Reconciled:
    """Make the stored meetings of one source starting in [since, until) exactly `entries`: new keys are
    added, changed ones updated (a placement the rep chose is kept), keys no longer there removed.
    Unchanged rows are not written."""
    wanted = {entry.key: entry for entry in entries}
    where = (CapturedTime.team_id == team_id, CapturedTime.user_id == user_id, CapturedTime.source == source)
    fields = ("starts_at", "minutes", "occurred_on", "placement", "opportunity_id", "rule", "domains", "title")
    with db.transaction() as session:
        stored = {
            row.key: row
            for row in session.execute(
                select(CapturedTime.id, CapturedTime.key, *(getattr(CapturedTime, name) for name in fields)).where(
                    *where, CapturedTime.starts_at >= since, CapturedTime.starts_at < until
                )
            )
        }
        gone = [row.id for key, row in stored.items() if key not in wanted]
        for start in range(0, len(gone), 500):
            session.execute(delete(CapturedTime).where(CapturedTime.id.in_(gone[start : start + 500])))
        writes = [
            entry for key, entry in wanted.items()
            if key not in stored or _differs(stored[key], entry, fields)
        ]  # fmt: skip
        if writes:
            _upsert(db, session, team_id, user_id, source, writes, now)
        added = sum(1 for entry in writes if entry.key not in stored)
        return Reconciled(added, len(writes) - added, len(gone))


def _differs(row, entry: Entry, fields) -> bool:
    if row.rule == REP_CHOICE:  # the rep's own placement: only a moved meeting is rewritten
        return (row.starts_at, row.minutes, row.occurred_on) != (entry.starts_at, entry.minutes, entry.occurred_on)
    return any(getattr(row, name) != getattr(entry, name) for name in fields)


def _upsert(
    db: Database, session, team_id: str, user_id: str, source: str, entries: list[Entry], now: datetime
) -> None:
    insert = insert_for(db)(CapturedTime)
    kept = CapturedTime.rule == REP_CHOICE

    def unless_chosen(name: str):
        return case((kept, getattr(CapturedTime, name)), else_=getattr(insert.excluded, name))

    statement = insert.on_conflict_do_update(
        index_elements=["team_id", "user_id", "source", "key"],
        set_={
            "starts_at": insert.excluded.starts_at,
            "minutes": insert.excluded.minutes,
            "occurred_on": insert.excluded.occurred_on,
            "domains": insert.excluded.domains,
            "title": insert.excluded.title,
            **{name: unless_chosen(name) for name in ("placement", "opportunity_id", "rule")},
        },
    )
    rows = [
        dict(team_id=team_id, user_id=user_id, source=source, key=e.key, starts_at=e.starts_at, minutes=e.minutes,
             occurred_on=e.occurred_on, placement=e.placement, opportunity_id=e.opportunity_id, rule=e.rule,
             domains=e.domains, title=e.title, captured_at=now)
        for e in entries
    ]  # fmt: skip
    session.execute(statement, rows)


def counts(db: Database, team_id: str, user_id: str, since: date) -> dict[str, tuple[int, int]]:
    """{placement: (meetings, minutes)} of the rep's captured time since a day."""
    with db.transaction() as session:
        rows = session.execute(
            select(CapturedTime.placement, func.count(), func.sum(CapturedTime.minutes))
            .where(CapturedTime.team_id == team_id, CapturedTime.user_id == user_id, CapturedTime.occurred_on >= since)
            .group_by(CapturedTime.placement)
        )
        return {placement: (int(count), int(minutes or 0)) for placement, count, minutes in rows}


def starts(db: Database, team_id: str, source: str, since: datetime, until: datetime) -> dict[str, list[datetime]]:
    """Each rep's captured meetings of one source that start in [since, until): {user: [start, …]}, one query."""
    found: dict[str, list[datetime]] = {}
    where = (CapturedTime.team_id == team_id, CapturedTime.source == source, CapturedTime.starts_at >= since)
    with db.transaction() as session:
        query = select(CapturedTime.user_id, CapturedTime.starts_at).where(*where, CapturedTime.starts_at < until)
        for user_id, start in session.execute(query):
            found.setdefault(user_id, []).append(start)
    return found


def open_deals(db: Database, team_id: str, user_id: str) -> list[tuple[int, str, str | None]]:
    with db.transaction() as session:
        rows = session.execute(
            select(Opportunity.id, Opportunity.name, Opportunity.account).where(
                Opportunity.team_id == team_id, Opportunity.owner_id == user_id, Opportunity.status == "open"
            )
        )
        return [(row.id, row.name, row.account) for row in rows]


def crm_deal_ids(db: Database, team_id: str, crm_ids: Iterable[str]) -> dict[str, int]:
    """Our opportunity for each CRM deal id that is linked (through the CRM links table)."""
    wanted = sorted(set(crm_ids))
    if not wanted:
        return {}
    with db.transaction() as session:
        rows = session.execute(
            select(CrmLink.crm_id, CrmLink.opportunity_id).where(CrmLink.team_id == team_id, CrmLink.crm_id.in_(wanted))
        )
        return {crm_id: opportunity_id for crm_id, opportunity_id in rows}


def remembered(db: Database, team_id: str, user_id: str) -> dict[str, tuple[str, int | None]]:
    with db.transaction() as session:
        rows = session.execute(
            select(DomainChoice.domain, DomainChoice.placement, DomainChoice.opportunity_id).where(
                DomainChoice.team_id == team_id, DomainChoice.user_id == user_id
            )
        )
        return {row.domain: (row.placement, row.opportunity_id) for row in rows}


def unplaced(db: Database, team_id: str, since: date, limit: int = 20000) -> list[Unplaced]:
    """Unplaced meetings with outside people in a workspace since a day, not yet asked about."""
    with db.transaction() as session:
        rows = session.execute(
            select(*columns_of(Unplaced, CapturedTime))
            .where(
                CapturedTime.team_id == team_id,
                CapturedTime.occurred_on >= since,
                CapturedTime.placement == "unplaced",
                CapturedTime.asked_on.is_(None),
            )
            .order_by(CapturedTime.user_id, CapturedTime.starts_at)
            .limit(limit)
        )
        return [read_row(Unplaced, row) for row in rows]


def choose(
    db: Database, team_id: str, user_id: str, meeting_id: int, placement: str, opportunity_id: int | None, now: datetime
) -> list[str] | None:
    """The rep placed a meeting: it and every unplaced meeting with the same domains follow, and the choice
    is remembered for each domain. The domains it applied to (None if the meeting is not theirs)."""
    mine = (CapturedTime.team_id == team_id, CapturedTime.user_id == user_id)
    with db.transaction() as session:
        domains = session.scalar(select(CapturedTime.domains).where(*mine, CapturedTime.id == meeting_id))
        if domains is None and not session.scalar(select(func.count()).where(*mine, CapturedTime.id == meeting_id)):
            return None
        named = [domain for domain in (domains or "").split(",") if domain]
        chosen = dict(placement=placement, opportunity_id=opportunity_id, rule=REP_CHOICE)
        session.execute(update(CapturedTime).where(*mine, CapturedTime.id == meeting_id).values(**chosen))
        if named:
            session.execute(
                update(CapturedTime)
                .where(*mine, CapturedTime.placement == "unplaced", CapturedTime.domains == domains)
                .values(**chosen)
            )
        for domain in named:
            statement = insert_for(db)(DomainChoice).values(
                team_id=team_id, user_id=user_id, domain=domain, placement=placement,
                opportunity_id=opportunity_id, chosen_at=now,
            )  # fmt: skip
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["team_id", "user_id", "domain"],
                    set_=dict(placement=placement, opportunity_id=opportunity_id, chosen_at=now),
                )
            )
        return named


def mark_asked(db: Database, team_id: str, ids: Iterable[int], day: date) -> None:
    wanted = sorted(set(ids))
    with db.transaction() as session:
        for start in range(0, len(wanted), 500):
            session.execute(
                update(CapturedTime)
                .where(and_(CapturedTime.team_id == team_id, CapturedTime.id.in_(wanted[start : start + 500])))
                .values(asked_on=day)
            )


def deal_day_minutes(db: Database, team_id: str, user_id: str, opportunity_id: int, day: date) -> tuple[int, int]:
    """(hand-logged, captured) minutes of one rep on one deal on one day, in one statement."""
    logged = select(func.coalesce(func.sum(Activity.minutes), 0)).where(
        Activity.team_id == team_id,
        Activity.user_id == user_id,
        Activity.occurred_on == day,
        Activity.opportunity_id == opportunity_id,
    )
    captured = select(func.coalesce(func.sum(CapturedTime.minutes), 0)).where(
        CapturedTime.team_id == team_id,
        CapturedTime.user_id == user_id,
        CapturedTime.occurred_on == day,
        CapturedTime.opportunity_id == opportunity_id,
        CapturedTime.placement == "deal",
    )
    with db.transaction() as session:
        row = session.execute(select(logged.scalar_subquery(), captured.scalar_subquery())).one()
        return int(row[0] or 0), int(row[1] or 0)


def asked_this_week(db: Database, team_id: str, since: date) -> dict[str, tuple[int, int]]:
    """{rep: (asked and still unplaced, asked and answered)} for questions asked since a day, in one pass."""
    asked = CapturedTime.asked_on >= since
    with db.transaction() as session:
        rows = session.execute(
            select(
                CapturedTime.user_id,
                func.count(case((CapturedTime.placement == "unplaced", 1))),
                func.count(case((CapturedTime.rule == REP_CHOICE, 1))),
            )
            .where(CapturedTime.team_id == team_id, asked)
            .group_by(CapturedTime.user_id)
        )
        return {user: (int(ignored), int(answered)) for user, ignored, answered in rows}


def likely_deals(
    db: Database, team_id: str, user_ids: Iterable[str], per_rep: int = 3
) -> dict[str, list[tuple[int, str]]]:
    """Each rep's most recently moved open deals (the buttons of a question), in one query."""
    wanted = sorted(set(user_ids))
    found: dict[str, list[tuple[int, str]]] = {}
    if not wanted:
        return found
    with db.transaction() as session:
        rows = session.execute(
            select(Opportunity.owner_id, Opportunity.id, Opportunity.name)
            .where(Opportunity.team_id == team_id, Opportunity.owner_id.in_(wanted), Opportunity.status == "open")
            .order_by(Opportunity.owner_id, Opportunity.last_change_at.desc(), Opportunity.id.desc())
        )
        for owner, deal_id, name in rows:
            deals = found.setdefault(owner, [])
            if len(deals) < per_rep:
                deals.append((deal_id, name))
    return found
