"""A token bucket kept in the database, so every thread and process calling one CRM account (or one Slack
workspace: bot/slack_pace.py) shares it.

Slack's limiter (bot/ratelimit.py) keeps its buckets in one process's memory, which fits a limit per bot
token that one process holds; a CRM counts every process on its token together, so this one is a row.

A bucket holds at most `capacity` tokens and gains `rate` a second; a call spends one. Taking a token is
one UPDATE that refills and spends together (no read-then-write race on either database). A caller that
finds the bucket short still spends (the count goes below zero) and is told how long to wait: it has
reserved the next free slot, so callers queue in turn, each with one statement. Time is seconds since
the epoch from the caller's clock: processes on one machine or NTP-synced ones agree closely enough, and
a stamp already ahead of a caller's clock is never moved back (that caller simply refills nothing).
"""

from __future__ import annotations

from sqlalchemy import Float, case, literal, select, update

from storage.crm import insert_once
from storage.db import Database
from storage.models import CrmPace


def _level(rate: float, now: float):
    at = literal(now, Float)
    return CrmPace.tokens + case((at > CrmPace.stamp, at - CrmPace.stamp), else_=0.0) * rate, at


def reserve(db: Database, bucket: str, rate: float, capacity: float, now: float, count: int = 1) -> float:
    """Spend `count` tokens of `bucket` (one statement): the seconds to wait before using the last of them
    (0.0: at once); each earlier one is there 1/rate before the next."""
    level, at = _level(rate, now)
    spend = (
        update(CrmPace)
        .where(CrmPace.bucket == bucket)
        .values(
            tokens=case((level > capacity, capacity), else_=level) - float(count),
            stamp=case((at > CrmPace.stamp, at), else_=CrmPace.stamp),
        )
        .returning(CrmPace.tokens)
    )
    with db.transaction() as session:
        left = session.execute(spend).scalar()
    if left is not None:
        return max(-left, 0.0) / rate
    if insert_once(db, CrmPace, bucket=bucket, tokens=capacity - count, stamp=now):
        return max(count - capacity, 0.0) / rate  # a bucket not used before starts full, less these tokens
    return reserve(db, bucket, rate, capacity, now, count)  # another caller made it first


def take_if_free(db: Database, bucket: str, rate: float, capacity: float, now: float) -> bool:
    """Spend one token of `bucket` only if one is there now (one UPDATE); False leaves the bucket as it was,
    for a caller that would rather come back later than wait (a DM's history read at one call a minute)."""
    level, at = _level(rate, now)
    spend = (
        update(CrmPace)
        .where(CrmPace.bucket == bucket, level >= 1.0)
        .values(
            tokens=case((level > capacity, capacity), else_=level) - 1.0,
            stamp=case((at > CrmPace.stamp, at), else_=CrmPace.stamp),
        )
        .returning(CrmPace.id)
    )
    with db.transaction() as session:
        if session.execute(spend).scalar() is not None:
            return True
        known = session.scalar(select(CrmPace.id).where(CrmPace.bucket == bucket))
    if known is not None:
        return False
    if insert_once(db, CrmPace, bucket=bucket, tokens=capacity - 1.0, stamp=now):
        return True
    return take_if_free(db, bucket, rate, capacity, now)


def note_reading(db: Database, name: str, value: float, now: float) -> None:
    """Keep the latest reading of a CRM's own counter (Salesforce's API allowance) beside the buckets: a row
    named `name` holding `value`, stamped `now`. A reading older than the one kept is ignored."""
    keep = update(CrmPace).where(CrmPace.bucket == name, CrmPace.stamp <= now).values(tokens=value, stamp=now)
    with db.transaction() as session:
        if session.execute(keep).rowcount:
            return
    insert_once(db, CrmPace, bucket=name, tokens=value, stamp=now)


def reading(db: Database, name: str) -> tuple[float, float] | None:
    """The latest reading kept under `name`: (value, when), or None before the first."""
    with db.transaction() as session:
        row = session.execute(select(CrmPace.tokens, CrmPace.stamp).where(CrmPace.bucket == name)).first()
    return (row.tokens, row.stamp) if row else None
