"""Waiting for what the bot does after Slack is acknowledged (events, background re-reads)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it holds."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(condition())


def published_homes(bot, user: str = "U1") -> list[str]:
    """Every Home published for `user` so far, as JSON text."""
    calls = [call for call in bot.slack.of("views.publish") if call.args["user_id"] == user]
    return [json.dumps(call.args["view"], ensure_ascii=False) for call in calls]


def a_home_shows(bot, *parts: str, user: str = "U1") -> bool:
    """Whether a Home showing every one of `parts` was published for `user`, within a few seconds (a
    refresh still queued covers the changes that came meanwhile: how many were published varies)."""
    return wait_until(lambda: any(all(part in home for part in parts) for home in published_homes(bot, user)))
