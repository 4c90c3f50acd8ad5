"""A token bucket kept in the database, so every thread and process calling one CRM account shares it.

A bucket holds at most `capacity` tokens and gains `rate` a second; a call spends one. Taking a token is
one compare-and-set UPDATE that refills and spends together (no read-then-write race on either
database); when the bucket is short, the caller is told how long to wait. Time is seconds since the
epoch from the caller's clock: processes on one machine or NTP-synced ones agree closely enough, and a
stamp already ahead of a caller's clock is never moved back (that caller simply refills nothing).
"""

from __future__ import annotations

from sqlalchemy import Float, case, literal, select, update

from storage.db import Database
from storage.models import CrmPace
from storage.upsert import insert_for


def _level(now: float, rate: float, capacity: float):
    """The bucket's tokens at `now`, in SQL: what it held plus what it gained, capped."""
    at = literal(now, Float)
    gained = case((at > CrmPace.stamp, at - CrmPace.stamp), else_=0.0) * rate
    return case((CrmPace.tokens + gained > capacity, literal(capacity, Float)), else_=CrmPace.tokens + gained)


def take(db: Database, bucket: str, rate: float, capacity: float, now: float) -> float:
    """Spend one token of `bucket`: 0.0 if spent, else the seconds to wait before asking again."""
    level = _level(now, rate, capacity)
    spend = (
        update(CrmPace)
        .where(CrmPace.bucket == bucket, level >= 1.0)
        .values(tokens=level - 1.0, stamp=case((CrmPace.stamp > now, CrmPace.stamp), else_=literal(now, Float)))
    )
    with db.transaction() as session:
        if session.execute(spend).rowcount:
            return 0.0
        held = session.scalar(select(level).where(CrmPace.bucket == bucket))
    if held is None:  # a bucket not used before starts full, less the token this call takes
        insert = insert_for(db)
        fresh = insert(CrmPace).values(bucket=bucket, tokens=capacity - 1.0, stamp=now)
        with db.transaction() as session:
            if session.execute(fresh.on_conflict_do_nothing().returning(CrmPace.id)).scalar() is not None:
                return 0.0
        return take(db, bucket, rate, capacity, now)
    return max((1.0 - held) / rate, 0.001)
