"""Slack's workspace-wide budgets, shared by every instance through the database (storage/crm_pace.py's
token buckets, one row per workspace and method).

Slack counts a method's calls per workspace, whichever process makes them: a bucket per process
(bot/ratelimit.py) lets two instances spend twice, and its ten-second burst lets 700 posts into a
minute that allows 600. So the fan-out's posts and the DM history reads also spend from a bucket all
instances share that never bursts: one call at a time, spaced at HEADROOM of Slack's rate, so no minute
(nor any shorter stretch) ever holds more calls than Slack allows. A person's own post is not held here
(the limiter's reserve keeps their replies first); the rest of Slack's rate is theirs.

conversations.history is read only to learn whether a claim resumed after a crash already reached Slack,
at the limit this app's type gets (SLACK_HISTORY_LIMIT): since 29 May 2025, 1 call a minute and 15
messages for commercially distributed apps outside the Marketplace ("strict", the default), Tier 3 for
internal and Marketplace apps. A history read never waits for its turn: without one, the claim waits.
"""

from __future__ import annotations

import time

from bot.ratelimit import parse_limits
from bot.services import Services
from storage import crm_pace

HISTORY_LIMITS = {"strict": (1, 15), "tier3": (50, 200)}  # calls a minute, messages a call
POSTS_PER_MINUTE = 600  # chat.postMessage per workspace ("several hundred a minute"), unless overridden
HEADROOM = 0.98  # of Slack's rate, what a shared budget spends: 1 + 0.98 × a minute's calls ≤ the limit


def budget(per_minute: float) -> tuple[float, float]:
    """(tokens a second, capacity) of a bucket that never lets more than `per_minute` calls into a minute:
    no burst, calls a little more than Slack's interval apart."""
    return per_minute * HEADROOM / 60.0, 1.0


def posts_per_minute(services: Services) -> float:
    """Slack's chat.postMessage limit for the workspace (SLACK_RATE_LIMITS may set it), calls a minute."""
    return float(parse_limits(services.settings.slack_rate_limits).get("chat.postMessage", POSTS_PER_MINUTE))


def _bucket(services: Services, method: str) -> str:
    return f"slack:{services.team_id or '-'}:{method}"


def wait_to_post(services: Services) -> float:
    """Wait for the workspace's next post (every instance's fan-out queues here in turn); seconds waited."""
    rate, capacity = budget(posts_per_minute(services))
    wait = crm_pace.reserve(services.db, _bucket(services, "chat.postMessage"), rate, capacity, time.time())
    if wait > 0:
        time.sleep(wait)
    return wait


def history_limits(services: Services) -> tuple[int, int]:
    """(calls a minute, messages a call) this app may read of a DM's history."""
    return HISTORY_LIMITS[services.settings.slack_history_limit]


def may_read_history(services: Services) -> bool:
    """Take the workspace's next conversations.history turn if it is free now (False: come back later).
    Counted on the tick's clock, which is the wall clock when the bot runs."""
    per_minute, _ = history_limits(services)
    rate, capacity = budget(per_minute)
    return crm_pace.take_if_free(
        services.db, _bucket(services, "conversations.history"), rate, capacity, services.now().timestamp()
    )
