"""Slack's workspace-wide budgets, shared by every instance through the database (storage/crm_pace.py's
token buckets, one row per workspace and method).

Slack counts a method's calls per workspace, whichever process makes them: a bucket per process
(bot/ratelimit.py) lets two instances spend twice, and its ten-second burst lets 700 posts into a
minute that allows 600. So the fan-out's posts, the directory's pages (users.list) and the DM history
reads also spend from a bucket all instances share that never bursts: calls spaced at HEADROOM of
Slack's rate, so no minute (nor any shorter stretch) ever holds more calls than Slack allows. A person's
own post is not held here (the limiter's reserve keeps their replies first); the rest of Slack's rate is
theirs.

Posts take their turns a block at a time (TURNS_AHEAD of them): one database write reserves the next
stretch of the workspace's turns for this process, whose sending threads then take them in order, so a
fast fan-out does not queue every post on the bucket's row. A turn its thread reaches more than LATE_TURNS
turns after its time is let go rather than used late, so a slow moment never bunches posts up.

conversations.history is read only to learn whether a claim resumed after a crash already reached Slack,
at the limit this app's type gets (SLACK_HISTORY_LIMIT): since 29 May 2025, 1 call a minute and 15
messages for commercially distributed apps outside the Marketplace ("strict", the default), Tier 3 for
internal and Marketplace apps. A history read never waits for its turn: without one, the claim waits.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from bot.ratelimit import DEFAULT_PER_MINUTE, PER_MINUTE, parse_limits
from bot.services import Services
from storage import crm_pace

HISTORY_LIMITS = {"strict": (1, 15), "tier3": (50, 200)}  # calls a minute, messages a call
HEADROOM = 0.98  # of Slack's rate, what a shared budget spends: 1 + 0.98 × a minute's calls ≤ the limit
TURNS_AHEAD = 0.25  # seconds of the workspace's post turns one reservation takes for this process
LATE_TURNS = 4  # a turn reached later than this many turns after its time is let go (see the docstring)


def budget(per_minute: float) -> tuple[float, float]:
    """(tokens a second, capacity) of a bucket that never lets more than `per_minute` calls into a minute:
    no burst, calls a little more than Slack's interval apart."""
    return per_minute * HEADROOM / 60.0, 1.0


def per_minute(services: Services, method: str) -> float:
    """Slack's limit on `method` for the workspace (SLACK_RATE_LIMITS may set it), calls a minute."""
    limits = parse_limits(services.settings.slack_rate_limits)
    return float(limits.get(method, PER_MINUTE.get(method, DEFAULT_PER_MINUTE)))


def posts_per_minute(services: Services) -> float:
    """Slack's chat.postMessage limit for the workspace, calls a minute."""
    return per_minute(services, "chat.postMessage")


def _bucket(services: Services, method: str) -> str:
    return f"slack:{services.team_id or '-'}:{method}"


def wait_for_turn(services: Services, method: str) -> float:
    """Wait for the workspace's next call of `method` (every instance queues here in turn); seconds waited."""
    rate, capacity = budget(per_minute(services, method))
    wait = crm_pace.reserve(services.db, _bucket(services, method), rate, capacity, time.time())
    if wait > 0:
        time.sleep(wait)
    return wait


class _Turns:
    """This process's reserved post turns in one workspace (wall-clock seconds), oldest first."""

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def next(self, services: Services, bucket: str) -> float:
        rate, capacity = budget(posts_per_minute(services))
        with self.lock:
            now = time.time()
            while self.times and self.times[0] < now - LATE_TURNS / rate:
                self.times.popleft()  # its moment passed while every thread was busy: not used late
            if not self.times:
                count = max(1, round(rate * TURNS_AHEAD))
                short = crm_pace.reserve(services.db, bucket, rate, capacity, now, count) * rate
                # the i-th of `count` tokens (1-based) is there once the bucket has regained short - (count - i)
                self.times.extend(now + max(short - (count - i), 0.0) / rate for i in range(1, count + 1))
            return self.times.popleft()


def wait_to_post(services: Services) -> float:
    """Wait for this process's next turn in the workspace's post budget (every instance's fan-out takes
    turns from it); seconds waited."""
    bucket = _bucket(services, "chat.postMessage")
    turns = services.shared("post turns").setdefault(bucket, _Turns())
    wait = turns.next(services, bucket) - time.time()
    if wait > 0:
        time.sleep(wait)
    return max(wait, 0.0)


def history_limits(services: Services) -> tuple[int, int]:
    """(calls a minute, messages a call) this app may read of a DM's history."""
    return HISTORY_LIMITS[services.settings.slack_history_limit]


def may_read_history(services: Services) -> bool:
    """Take the workspace's next conversations.history turn if it is free now (False: come back later).
    Counted on the tick's clock, which is the wall clock when the bot runs."""
    calls, _ = history_limits(services)
    rate, capacity = budget(calls)
    return crm_pace.take_if_free(
        services.db, _bucket(services, "conversations.history"), rate, capacity, services.now().timestamp()
    )
