"""Workspace-wide reads a rep's page or a tick borrows (the team's closed deals, its usual stage stays),
kept a while in the process: their read grows with the workspace, and a rep's Home refresh must not.

Each is read again after its own number of seconds, and at once after a deal in the workspace changes
stage in Slack (a CRM sync or an import shows within those seconds). A read that a stage move overtook,
or that failed, is never kept, so nobody is shown what the move made untrue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from bot.services import Services

T = TypeVar("T")
_lock = threading.Lock()


def kept(services: Services, name: str, team_id: str, seconds: float, read: Callable[[], T]) -> T:
    """`read()`'s answer for this workspace, from memory while younger than `seconds` and no stage moved."""
    found_in, moves = services.shared(name), services.shared("stage_moves")
    with _lock:
        found, seen = found_in.get(team_id), moves.get(team_id, 0)
    if found is not None and time.monotonic() - found[0] < seconds:
        return found[1]
    read_at = time.monotonic()
    answer = read()
    with _lock:
        if moves.get(team_id, 0) == seen:  # no stage moved while it was read: whole and current
            found_in[team_id] = (read_at, answer)
    return answer


def stage_moved(services: Services, team_id: str) -> None:
    """A deal in the workspace changed stage (moved, closed, reopened): every kept read is read again."""
    moves = services.shared("stage_moves")
    with _lock:
        moves[team_id] = moves.get(team_id, 0) + 1
        for name in KEPT_READS:
            services.shared(name).pop(team_id, None)


KEPT_READS = ("team_history", "team_stays")  # the names `kept` is called with
