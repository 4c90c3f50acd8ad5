"""Rules for what a rep logs: how far back an entry may be dated, and how long it may still be undone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

MAX_DAYS_BACK = 90  # an activity is dated at most this many days ago
UNDO_WINDOW = timedelta(minutes=10)  # `/opportunity undo` removes an entry made this recently


def undo_bounds(now: datetime) -> tuple[datetime, date]:
    """What `undo` may remove: entries created since the first value, dated on or after the second.

    The date bound follows from the backdating limit (two days' slack for time zones); it lets the
    (team, rep, day) index keep the search to the rep's recent rows.
    """
    return now - UNDO_WINDOW, now.date() - timedelta(days=MAX_DAYS_BACK + 2)
