"""Logged selling time: one entry a rep typed (deal work or prospecting), and undoing the last one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select

from storage.db import Database
from storage.models import Activity, Opportunity
from storage.records import OPEN, ActivityView, NewActivity, NotOpen
from storage.reps import ensure_reps


def log_activity(
    db: Database, team_id: str, user_id: str, entry: NewActivity, now: datetime, request_key: str | None = None
) -> ActivityView:
    """Store one entry. Deal work must be on one of the rep's own open deals, else NotOpen is raised."""
    with db.transaction() as session:
        ensure_reps(db, team_id, [user_id], now)
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
            request_key=request_key,
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


def undo_last(
    db: Database, team_id: str, user_id: str, created_since: datetime, occurred_since: date
) -> ActivityView | None:
    """Delete the rep's most recent entry created since `created_since`; return what was removed.

    `occurred_since` bounds the entry's day so the (team, rep, day) index keeps the search to the rep's
    recent rows (the undo window and the backdating limit are rules: bot/rules/entries.py).
    """
    with db.transaction() as session:
        found = session.execute(
            select(Activity, Opportunity.name)
            .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
            .where(
                Activity.team_id == team_id,
                Activity.user_id == user_id,
                Activity.created_at >= created_since,
                Activity.occurred_on >= occurred_since,
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


def logged_by_request(db: Database, team_id: str, request_key: str) -> ActivityView | None:
    """The entry a Slack request stored, if it did (a replayed request stores nothing new)."""
    with db.transaction() as session:
        found = session.execute(
            select(Activity, Opportunity.name)
            .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
            .where(Activity.team_id == team_id, Activity.request_key == request_key)
        ).first()
        return _activity_view(*found) if found else None
