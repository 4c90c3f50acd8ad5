"""Logged selling time: one entry a rep typed (deal work or prospecting), and undoing the last one."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update

from storage.db import Database
from storage.models import Activity, Opportunity, UndoneRequest
from storage.opportunities import rep_open
from storage.records import ActivityView, NewActivity, NotOpen
from storage.reps import ensure_reps
from storage.rows import added, read_row
from storage.upsert import insert_for


def log_activity(
    db: Database, team_id: str, user_id: str, entry: NewActivity, now: datetime, request_key: str | None = None
) -> ActivityView:
    """Store one entry. Deal work must be on one of the rep's own open deals, else NotOpen is raised."""
    with db.transaction() as session:
        ensure_reps(db, team_id, [user_id], now)
        name = None
        if entry.opportunity_id is not None:
            name = session.scalar(
                select(Opportunity.name).where(Opportunity.id == entry.opportunity_id, *rep_open(team_id, user_id))
            )
            if name is None:
                raise NotOpen(entry.opportunity_id)
        row = Activity(request_key=request_key, team_id=team_id, user_id=user_id, created_at=now, **asdict(entry))
        return _activity_view(added(session, row), name)


UNDO_KEPT = timedelta(days=1)  # far past Slack's five minutes for a signed request to be replayed


def undo_last(
    db: Database,
    team_id: str,
    user_id: str,
    created_since: datetime,
    occurred_since: date,
    request_key: str | None = None,
    now: datetime | None = None,
) -> ActivityView | None:
    """Delete the rep's most recent entry created since `created_since`; return what was removed.

    `occurred_since` bounds the entry's day so the (team, rep, day) index keeps the search to the rep's
    recent rows (the undo window and the backdating limit are rules: bot/rules/entries.py). With a
    `request_key` the undo is done once per Slack request: a replay removes nothing and returns what the
    first removed (two at once are kept apart by the unique key: the second waits, then finds the first).
    """
    with db.transaction() as session:
        if request_key is not None:
            first = (
                insert_for(db)(UndoneRequest)
                .values(team_id=team_id, user_id=user_id, request_key=request_key, undone_at=now)
                .on_conflict_do_nothing(index_elements=["team_id", "request_key"])
                .returning(UndoneRequest.id)
            )
            if session.execute(first).scalar() is None:  # this request was undone before
                earlier = session.scalar(
                    select(UndoneRequest.removed).where(
                        UndoneRequest.team_id == team_id, UndoneRequest.request_key == request_key
                    )
                )
                return _view_from_json(earlier)
            session.execute(
                delete(UndoneRequest).where(
                    UndoneRequest.team_id == team_id,
                    UndoneRequest.user_id == user_id,
                    UndoneRequest.undone_at < now - UNDO_KEPT,
                )
            )
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
        if request_key is not None:
            session.execute(
                update(UndoneRequest)
                .where(UndoneRequest.team_id == team_id, UndoneRequest.request_key == request_key)
                .values(removed=_view_to_json(view))
            )
        return view


def _view_to_json(view: ActivityView) -> str:
    fields = asdict(view)
    fields["occurred_on"], fields["created_at"] = view.occurred_on.isoformat(), view.created_at.isoformat()
    return json.dumps(fields)


def _view_from_json(text: str | None) -> ActivityView | None:
    if not text:
        return None
    fields = json.loads(text)
    fields["occurred_on"] = date.fromisoformat(fields["occurred_on"])
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return ActivityView(**fields)


def _activity_view(row: Activity, opportunity_name: str | None) -> ActivityView:
    return read_row(ActivityView, row, opportunity_name=opportunity_name)


def logged_by_request(db: Database, team_id: str, request_key: str) -> ActivityView | None:
    """The entry a Slack request stored, if it did (a replayed request stores nothing new)."""
    with db.transaction() as session:
        found = session.execute(
            select(Activity, Opportunity.name)
            .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
            .where(Activity.team_id == team_id, Activity.request_key == request_key)
        ).first()
        return _activity_view(*found) if found else None
