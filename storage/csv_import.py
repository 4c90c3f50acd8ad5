"""Storing one batch of imported rows: restore by id, match the rest through an index, write in bulk.

A batch is one short transaction of the caller's: its records are read with one query per kind of match
(ids; names, through the (team, name, owner) index), so the work follows the batch, not the table.
Only the columns a file gives are compared and written, so importing the same file again changes
nothing. A dry run reads the same way and writes nothing; `Planned` remembers what it would have
written, so a row that repeats an earlier one of the file is reported as the real run would report it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, text, update

from storage.db import Database
from storage.models import Activity, CloseDateChange, Opportunity, StageChange
from storage.records import OPEN

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


def _changes(record: dict, values: dict, row: Incoming, now: datetime) -> dict:
    changed = {k: v for k, v in values.items() if not _same(record[k], v)}
    if "stage" in changed and "last_change_at" not in values:
        changed["last_change_at"] = now
    if "status" in changed and "closed_at" not in values:
        changed["closed_at"] = row.fill.get("closed_at")
    return changed


def _first_by(records, key) -> dict:
    found: dict = {}
    for record in records:
        found.setdefault(key(record), record)
    return found


def _records(session, query) -> list[dict]:
    return [dict(row._mapping) for row in session.execute(query)]


class _Batch:
    """One batch's records as plain dicts: those found by id or key, the new ones, and the changes, written
    at the end in one executemany each (INSERT … RETURNING for the new ids, UPDATE by primary key)."""

    def __init__(self, team_id: str, by_id: dict, by_key: dict, now: datetime, planned: Planned | None) -> None:
        self.team_id, self.by_id, self.by_key, self.now, self.planned = team_id, by_id, by_key, now, planned
        self.new: list[dict] = []
        self.changes: list[dict] = []
        self.moves: list[tuple] = []  # (deal id, old stage, new stage, by, at) of stored deals
        self.close_moves: list[tuple] = []  # (deal id, old close date, new close date) of stored open deals

    def settle(self, row: Incoming, key: tuple, values: dict, kind: str) -> str:
        record = self.by_id.get(row.id) if row.id is not None else self.by_key.get(key)
        if record is not None and record["team_id"] != self.team_id:
            return f"id {row.id} belongs to another workspace"
        if self.planned is not None:
            earlier = self.planned.outcome((kind, row.id or key), values)
            changed = record is not None and _changes(record, values, row, self.now)
            return earlier or (CREATED if record is None else UPDATED if changed else UNCHANGED)
        if record is None:
            record = {**row.fill, **values, "team_id": self.team_id, "_new": True}
            if row.id is not None:
                record["id"], self.by_id[row.id] = row.id, record
            self.new.append(record)
            self.by_key[key] = record
            return CREATED
        changed = _changes(record, values, row, self.now)
        if changed and not record.get("_new"):
            self.changes.append({"id": record["id"], **changed})
            if "stage" in changed:
                at = changed["last_change_at"]
                self.moves.append((record["id"], record["stage"], changed["stage"], values.get("owner_id"), at))
            if "expected_close" in changed and changed.get("status", record.get("status")) == OPEN:
                self.close_moves.append((record["id"], record["expected_close"], changed["expected_close"]))
        record.update(changed)
        return UPDATED if changed else UNCHANGED

    def write(self, session, db: Database, model, key: tuple[str, ...]) -> None:
        """New records in one INSERT … RETURNING (ids matched back by `key`, the columns they were matched
        by: no order is promised, so many rows go in each statement), changes in one UPDATE by id."""
        table = model.__table__
        columns = sorted(set().union(*self.new) - {"_new", "id"}) if self.new else []
        fresh = [record for record in self.new if "id" not in record]
        restored = [record for record in self.new if "id" in record]
        if fresh:
            returning = insert(table).returning(table.c.id, *(table.c[column] for column in key))
            added = session.execute(returning, [{c: record.get(c) for c in columns} for record in fresh])
            for new_id, *found in added:
                self.by_key[tuple(found)]["id"] = new_id
        if restored:
            session.execute(insert(table), [{c: record.get(c) for c in ("id", *columns)} for record in restored])
            _catch_up_ids(session, db, table.name)
        if self.changes:
            session.execute(update(model), self.changes)


def _catch_up_ids(session, db: Database, table: str) -> None:
    """Rows restored with their own ids: PostgreSQL's sequence must hand out ids after them."""
    if db.dialect == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


@contextmanager
def _batch_transaction(db: Database) -> Iterator:
    """One batch's transaction, its statements not prepared on PostgreSQL: psycopg prepares a statement
    run five times, PostgreSQL may then keep a plan made when the import had barely begun (a scan of a
    tiny table) for every later batch, and psycopg keeps each batch's long text per set of value types."""
    with db.transaction() as session:
        if db.dialect != "postgresql":
            yield session
            return
        driver = session.connection().connection.driver_connection
        before, driver.prepare_threshold = driver.prepare_threshold, None
        try:
            yield session
        finally:
            driver.prepare_threshold = before


def import_deals(db: Database, team_id: str, rows: list[Incoming], now: datetime, planned: Planned | None) -> list:
    """Each row's outcome (CREATED, UPDATED, UNCHANGED or why it cannot be stored), in order."""
    with _batch_transaction(db) as session:
        ids = [row.id for row in rows if row.id is not None]
        by_id = {
            deal["id"]: deal for deal in _records(session, select(Opportunity.__table__).where(Opportunity.id.in_(ids)))
        }
        keyed = [row.key for row in rows if row.id is None]
        matches = (
            _records(
                session,
                select(Opportunity.__table__)
                .where(
                    Opportunity.team_id == team_id,
                    Opportunity.name_key.in_({name for _, name in keyed}),  # no owner: see migration 0012
                )
                .order_by(Opportunity.id),
            )
            if keyed
            else []
        )
        batch = _Batch(
            team_id, by_id, _first_by(matches, lambda deal: (deal["owner_id"], deal["name_key"])), now, planned
        )
        outcomes = [batch.settle(row, row.key, {**row.values, "name_key": row.key[1]}, "deal") for row in rows]
        if planned is None:
            batch.write(session, db, Opportunity, ("owner_id", "name_key"))
            firsts = [(deal["id"], None, deal["stage"], deal["owner_id"], deal["created_at"]) for deal in batch.new]
            if batch.moves or firsts:
                session.execute(
                    insert(StageChange),
                    [
                        {"team_id": team_id, "opportunity_id": deal, "from_stage": old, "to_stage": new,
                         "changed_by": by, "changed_at": at}
                        for deal, old, new, by, at in firsts + batch.moves
                    ],
                )  # fmt: skip
            if batch.close_moves:
                session.execute(
                    insert(CloseDateChange),
                    [
                        {
                            "team_id": team_id,
                            "opportunity_id": deal,
                            "from_date": old,
                            "to_date": new,
                            "changed_at": now,
                        }
                        for deal, old, new in batch.close_moves
                    ],
                )
    return outcomes


def import_activities(db: Database, team_id: str, rows: list[Incoming], now: datetime, planned: Planned | None) -> list:
    """Each row's outcome, as import_deals; a deal activity's deal is found by id or by its rep and name."""
    with _batch_transaction(db) as session:
        deals = _deals_of(session, team_id, rows)
        ids = [row.id for row in rows if row.id is not None]
        by_id = {act["id"]: act for act in _records(session, select(Activity.__table__).where(Activity.id.in_(ids)))}
        nearby = _records(
            session,
            select(Activity.__table__)
            .where(
                Activity.team_id == team_id,
                Activity.user_id.in_({row.values["user_id"] for row in rows}),
                Activity.occurred_on.in_({row.values["occurred_on"] for row in rows}),
            )
            .order_by(Activity.id),
        )
        batch = _Batch(team_id, by_id, _first_by(nearby, lambda act: tuple(act[c] for c in ACTIVITY_KEY)), now, planned)
        outcomes = []
        for row, deal in zip(rows, deals, strict=True):
            if isinstance(deal, str):
                outcomes.append(deal)
                continue
            values = {k: v for k, v in row.values.items() if k != "opportunity_name"} | {"opportunity_id": deal}
            outcomes.append(batch.settle(row, tuple(values[c] for c in ACTIVITY_KEY), values, "activity"))
        if planned is None:
            batch.write(session, db, Activity, ACTIVITY_KEY)
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
