"""Quotas: one amount per rep and period, set or replaced."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Quota


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
