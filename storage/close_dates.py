"""Every change of an open deal's close date (CRM sync and CSV import write them; migration 0018), and how
often each open deal's date was pushed later: one GROUP BY per workspace or rep, never a query per deal."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select

from storage.db import Database
from storage.models import CloseDateChange, Opportunity
from storage.opportunities import open_among


def close_date_change(
    team_id: str, opportunity_id: int, from_date: date | None, to_date: date | None, at: datetime
) -> CloseDateChange:
    """The row that keeps one change (added by the caller, in its own transaction)."""
    return CloseDateChange(
        team_id=team_id, opportunity_id=opportunity_id, from_date=from_date, to_date=to_date, changed_at=at
    )


@dataclass(frozen=True)
class Pushes:
    """How many times an open deal's close date moved later, the date it first had, and the date it has now."""

    opportunity_id: int
    pushes: int
    first_date: date
    now_date: date | None


def pushes_by_deal(db: Database, team_id: str, opportunity_ids: Collection[int] | None = None) -> dict[int, Pushes]:
    """Open deals (the workspace's, or among these) whose close date was pushed later at least once: from
    the open deals to their changes (the (team, opportunity) index), never the closed deals'."""
    pushed = and_(
        CloseDateChange.from_date.is_not(None),
        CloseDateChange.to_date.is_not(None),
        CloseDateChange.to_date > CloseDateChange.from_date,
    )
    query = (
        select(
            CloseDateChange.opportunity_id,
            func.count().label("pushes"),
            func.min(CloseDateChange.from_date).label("first_date"),
            Opportunity.expected_close,
        )
        .select_from(Opportunity)
        .join(
            CloseDateChange,
            and_(CloseDateChange.team_id == team_id, CloseDateChange.opportunity_id == Opportunity.id),
        )
        .where(*open_among(team_id, opportunity_ids), pushed)
        .group_by(CloseDateChange.opportunity_id, Opportunity.expected_close)
    )
    with db.transaction() as session:
        return {
            row.opportunity_id: Pushes(row.opportunity_id, int(row.pushes), row.first_date, row.expected_close)
            for row in session.execute(query)
        }
