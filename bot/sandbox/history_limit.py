"""conversations.history as Slack limits it for a commercially distributed app outside the Marketplace
(since 29 May 2025): one call a minute per workspace and at most 15 messages a call, on Slack's side.

The tests' stand-in (bot/sandbox/slack_api.py without a workspace) answers history through this: a call
within a minute of the last one gets 429 with Retry-After, a call asking for more than 15 messages gets
15 (and is noted in `overreach`, so a test can say the bot never asked for more), `oldest` is honoured
and a DM with more is paged with a cursor (history_page, which the benchmarks' Slack answers with too).
Its clock (seconds since the epoch) is settable, so a test on a simulated clock can move a minute on
without waiting one; messages are stamped on the same clock.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections.abc import Callable

PER_MINUTE = 1
MAX_MESSAGES = 15


class HistoryLimit:
    def __init__(self, per_minute: int = PER_MINUTE, max_messages: int = MAX_MESSAGES) -> None:
        self.per_minute, self.max_messages = per_minute, max_messages
        self.clock: Callable[[], float] = time.time
        self.overreach: list[dict] = []  # calls that asked for more than max_messages
        self.limited = 0  # calls answered 429
        self._reads: list[float] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._reads.clear(), self.overreach.clear()
            self.limited = 0
        self.clock = time.time

    def answer(self, args: dict, newest_first: list[dict]) -> tuple[int, dict, dict]:
        """(status, body, headers) for a history call over the DM's messages, newest first."""
        now = self.clock()
        with self._lock:
            self._reads = [moment for moment in self._reads if now - moment < 60]
            if len(self._reads) >= self.per_minute:
                self.limited += 1
                wait = max(1, math.ceil(60 - (now - self._reads[0])))
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
            self._reads.append(now)
        if int(args.get("limit") or 100) > self.max_messages:
            self.overreach.append(dict(args))
        return 200, history_page(args, newest_first, self.max_messages), {}


def history_page(args: dict, newest_first: list[dict], max_messages: int) -> dict:
    """conversations.history's answer over a DM's messages (newest first): those after `oldest` and, from
    a `cursor`, older than the last page's oldest, at most the smaller of `limit` and `max_messages`; with
    has_more and, when there is more, the next page's cursor (opaque, as Slack's)."""
    oldest = float(args.get("oldest") or 0)
    cursor = str(args.get("cursor") or "")
    before = float(base64.b64decode(cursor).decode().removeprefix("next_ts:")) if cursor else math.inf
    since = [message for message in newest_first if oldest < float(message["ts"]) < before]
    limit = max(1, min(int(args.get("limit") or 100), max_messages))
    page, more = since[:limit], len(since) > limit
    following = base64.b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode() if more else ""
    return {"ok": True, "messages": page, "has_more": more, "response_metadata": {"next_cursor": following}}
