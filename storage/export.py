"""Rows for CSV export, streamed in id order, always within one workspace and, for reps, their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import Activity, Opportunity

OPPORTUNITY_COLUMNS = (
    "id",
    "owner_id",
    "name",
    "account",
    "amount",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "created_at",
    "last_change_at",
    "closed_at",
    "lost_reason",
)
ACTIVITY_COLUMNS = (
    "id",
    "user_id",
    "kind",
    "opportunity_id",
    "opportunity_name",
    "touches",
    "minutes",
    "occurred_on",
    "note",
    "created_at",
)
CHUNK = 1000


def _since_instant(since: date | None) -> datetime:
    day = since or date(1970, 1, 1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def opportunity_rows(db: Database, team_id: str, owner_id: str | None, since: date | None) -> Iterator[tuple]:
    """Opportunities created or changed since a day; owner_id None means the whole workspace (managers)."""
    query = select(*(getattr(Opportunity, column) for column in OPPORTUNITY_COLUMNS)).where(
        Opportunity.team_id == team_id, Opportunity.last_change_at >= _since_instant(since)
    )
    if owner_id is not None:
        query = query.where(Opportunity.owner_id == owner_id)
    yield from _stream(db, query.order_by(Opportunity.id))


def activity_rows(db: Database, team_id: str, user_id: str | None, since: date | None) -> Iterator[tuple]:
    """Logged selling time since a day, with the deal's name beside its id."""
    columns = [getattr(Activity, column) for column in ACTIVITY_COLUMNS if column != "opportunity_name"]
    columns.insert(4, Opportunity.name.label("opportunity_name"))
    query = (
        select(*columns)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(Activity.team_id == team_id, Activity.occurred_on >= (since or date(1970, 1, 1)))
    )
    if user_id is not None:
        query = query.where(Activity.user_id == user_id)
    yield from _stream(db, query.order_by(Activity.id))


def _stream(db: Database, query) -> Iterator[tuple]:
    with db.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
        for row in result:
            yield tuple(row)
