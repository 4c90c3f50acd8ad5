"""Storing one batch of imported rows: restore by id, match the rest through an index, write in bulk.

A batch is one short transaction of the caller's: its records are read with one query per kind of match
(ids; owners and names), so the work follows the batch, not the table. Only the columns a file gives
are compared and written, so importing the same file again changes nothing. A dry run reads the same
way and writes nothing; `Planned` remembers what it would have written, so a row that repeats an
earlier one of the file is reported as the real run would report it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from storage.db import Database
from storage.models import Activity, Opportunity, StageChange

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# What identifies an activity without an id: every field but when it was entered.
ACTIVITY_KEY = ("user_id", "kind", "opportunity_id", "touches", "minutes", "occurred_on", "note")


@dataclass(frozen=True)
class Incoming:
    """One row of a file, read: its id if it has one, what it is matched by, the columns the file gives,
    and what a new record takes for the columns it does not give (`fill`)."""

    line: int
    id: int | None
    key: tuple | None
    values: dict
    fill: dict


class Planned:
    """A dry run's memory: a 64-bit digest of each record it would write, keyed by a digest of its key."""

    def __init__(self) -> None:
        self._written: dict[int, int] = {}

    def outcome(self, key: tuple, values: dict) -> str | None:
        """CREATED/UPDATED/UNCHANGED if an earlier row of the file wrote this record, else None; noted."""
        before = self._written.get(hash(key))
        self._written[hash(key)] = hash(tuple(sorted(values.items())))
        if before is None:
            return None
        return UNCHANGED if before == self._written[hash(key)] else UPDATED


def _same(old, new) -> bool:
    """Exports keep whole seconds, so a restored time equal to the second is the same time."""
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(microsecond=0) == new.replace(microsecond=0)
    return old == new


def _changes(record, row: Incoming, now: datetime) -> dict:
    changed = {k: v for k, v in row.values.items() if not _same(getattr(record, k), v)}
    if "stage" in changed and "last_change_at" not in row.values:
        changed["last_change_at"] = now
    if "status" in changed and "closed_at" not in row.values:
        changed["closed_at"] = row.fill.get("closed_at")
    return changed


def _planned(planned: Planned, key: tuple, record, row: Incoming, now: datetime) -> str:
    """A dry run's outcome for a row: as an earlier row of the file left it, else as the database has it."""
    earlier = planned.outcome(key, row.values)
    return earlier or (CREATED if record is None else UPDATED if _changes(record, row, now) else UNCHANGED)


def _first_by(records, key) -> dict:
    found: dict = {}
    for record in records:
        found.setdefault(key(record), record)
    return found


def _catch_up_ids(session, db: Database, table: str) -> None:
    """Rows restored with their own ids: PostgreSQL's sequence must hand out ids after them."""
    if db.dialect == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def import_deals(db: Database, team_id: str, rows: list[Incoming], now: datetime, planned: Planned | None) -> list:
    """Each row's outcome (CREATED, UPDATED, UNCHANGED or why it cannot be stored), in order."""
    with db.transaction() as session:
        ids = [row.id for row in rows if row.id is not None]
        by_id = {opp.id: opp for opp in session.scalars(select(Opportunity).where(Opportunity.id.in_(ids)))}
        keyed = [row.key for row in rows if row.id is None]
        matches = session.scalars(
            select(Opportunity)
            .where(
                Opportunity.team_id == team_id,
                Opportunity.owner_id.in_({owner for owner, _ in keyed}),
                Opportunity.name_key.in_({name for _, name in keyed}),
            )
            .order_by(Opportunity.id)
        )
        by_key = _first_by(matches, lambda opp: (opp.owner_id, opp.name_key)) if keyed else {}
        outcomes, created, moves = [], [], []
        for row in rows:
            record = by_id.get(row.id) if row.id is not None else by_key.get(row.key)
            if record is not None and record.team_id != team_id:
                outcomes.append(f"id {row.id} belongs to another workspace")
                continue
            if planned is not None:
                outcomes.append(_planned(planned, ("deal", row.id or row.key), record, row, now))
                continue
            if record is None:
                record = Opportunity(id=row.id, team_id=team_id, name_key=row.key[1], **{**row.fill, **row.values})
                session.add(record)
                created.append(record)
                by_key[row.key] = by_id[row.id] = record
                outcomes.append(CREATED)
                continue
            changed = _changes(record, row, now)
            if "stage" in changed:
                at = changed["last_change_at"]
                moves.append((record.id, record.stage, changed["stage"], row.values["owner_id"], at))
            for column, value in changed.items():
                setattr(record, column, value)
            record.name_key = record.name.casefold()
            outcomes.append(UPDATED if changed else UNCHANGED)
        session.flush()
        moves += [(opp.id, None, opp.stage, opp.owner_id, opp.created_at) for opp in created]
        session.add_all(
            StageChange(
                team_id=team_id, opportunity_id=deal, from_stage=old, to_stage=new, changed_by=by, changed_at=at
            )
            for deal, old, new, by, at in moves
        )
        if any(opp.id in ids for opp in created):
            _catch_up_ids(session, db, "opportunities")
    return outcomes


def import_activities(db: Database, team_id: str, rows: list[Incoming], now: datetime, planned: Planned | None) -> list:
    """Each row's outcome, as import_deals; a deal activity's deal is found by id or by its rep and name."""
    with db.transaction() as session:
        deals = _deals_of(session, team_id, rows)
        ids = [row.id for row in rows if row.id is not None]
        by_id = {act.id: act for act in session.scalars(select(Activity).where(Activity.id.in_(ids)))}
        nearby = session.scalars(
            select(Activity)
            .where(
                Activity.team_id == team_id,
                Activity.user_id.in_({row.values["user_id"] for row in rows}),
                Activity.occurred_on.in_({row.values["occurred_on"] for row in rows}),
            )
            .order_by(Activity.id)
        )
        by_key = _first_by(nearby, lambda act: tuple(getattr(act, column) for column in ACTIVITY_KEY))
        outcomes, restored = [], False
        for row, deal in zip(rows, deals, strict=True):
            if isinstance(deal, str):
                outcomes.append(deal)
                continue
            values = {k: v for k, v in row.values.items() if k != "opportunity_name"} | {"opportunity_id": deal}
            key = tuple(values[column] for column in ACTIVITY_KEY)
            record = by_id.get(row.id) if row.id is not None else by_key.get(key)
            if record is not None and record.team_id != team_id:
                outcomes.append(f"id {row.id} belongs to another workspace")
                continue
            adjusted = Incoming(row.line, row.id, key, values, row.fill)
            if planned is not None:
                outcomes.append(_planned(planned, ("activity", row.id or key), record, adjusted, now))
                continue
            if record is None:
                record = Activity(id=row.id, team_id=team_id, **{**row.fill, **values})
                session.add(record)
                by_key[key] = by_id[row.id] = record
                restored = restored or row.id is not None
                outcomes.append(CREATED)
                continue
            changed = _changes(record, adjusted, now)
            for column, value in changed.items():
                setattr(record, column, value)
            outcomes.append(UPDATED if changed else UNCHANGED)
        session.flush()
        if restored:
            _catch_up_ids(session, db, "activities")
    return outcomes


def _deals_of(session, team_id: str, rows: list[Incoming]) -> list[int | None | str]:
    """Each row's deal id (None for prospecting), or why it has none: two queries for the whole batch."""
    wanted = {row.values["opportunity_id"] for row in rows if row.values["opportunity_id"] is not None}
    ours = select(Opportunity.id).where(Opportunity.team_id == team_id, Opportunity.id.in_(wanted))
    known = set(session.scalars(ours))
    named = [_named(row.values) for row in rows if row.values["opportunity_name"]]
    matches = session.execute(
        select(Opportunity.owner_id, Opportunity.name_key, Opportunity.id)
        .where(
            Opportunity.team_id == team_id,
            Opportunity.owner_id.in_({owner for owner, _ in named}),
            Opportunity.name_key.in_({name for _, name in named}),
        )
        .order_by(Opportunity.id)
    )
    by_name = _first_by(matches, lambda match: (match.owner_id, match.name_key)) if named else {}
    found: list[int | None | str] = []
    for row in rows:
        values = row.values
        if values["kind"] != "deal":
            found.append(None)
        elif values["opportunity_id"] in known:
            found.append(values["opportunity_id"])
        elif values["opportunity_name"] and _named(values) in by_name:
            found.append(by_name[_named(values)].id)
        else:
            shown = values["opportunity_id"] or values["opportunity_name"]
            found.append(f"opportunity {shown!r} is not in this workspace (import it first)")
    return found


def _named(values: dict) -> tuple[str, str]:
    return values["user_id"], values["opportunity_name"].casefold()
