"""Coaching the leaders on creation: plain counts for the manager's weekly digest and the team view.

Quiet prospecting is a count, never names: the question to ask is the manager's to bring, privately and
kindly. Openings are credited by name in the leader's own DM (it is private to them), most first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date


def openers(opened_by_rep: Mapping[str, int]) -> int:
    """How many reps opened at least one opportunity."""
    return sum(1 for count in opened_by_rep.values() if count > 0)


def credited(opened_by_rep: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Who opened what, most first (then by id, so the order is stable); reps who opened none are left out."""
    return tuple(sorted(((rep, n) for rep, n in opened_by_rep.items() if n > 0), key=lambda item: (-item[1], item[0])))


def quiet_on_prospecting(reps: Iterable[str], last_prospecting: Mapping[str, date], today: date, days: int) -> int:
    """Reps with no prospecting logged in the last `days` days (today included), or none ever.

    A rep who prospected exactly `days - 1` days ago is not quiet; `days` ago is.
    """
    return sum(1 for rep in set(reps) if (last := last_prospecting.get(rep)) is None or (today - last).days >= days)


def early_stages(open_stages: Sequence[str], count: int) -> tuple[str, ...]:
    """The first `count` open stages (all of them if there are fewer)."""
    return tuple(open_stages[: max(count, 1)])
