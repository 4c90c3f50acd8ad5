"""Slack's per-method rate limits, kept by every thread of the process together.

Slack limits each Web API method per workspace, in tiers (api.slack.com/apis/rate-limits): Tier 2 is 20
calls a minute, Tier 3 is 50, Tier 4 is 100; chat.postMessage allows about one message a second per
channel and "several hundred" a minute per workspace (we take 600, one to a DM channel). A token bucket
per method paces calls to that rate. When Slack answers 429 anyway, its Retry-After pauses the method
for every thread of the fan-out, not only the one that got it (a person's own request waits out its own
429 instead, so a burst of background 429s never holds the threads that acknowledge people). Background
work leaves a couple of tokens in each bucket for people who are typing, so their replies never queue
behind a slot.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

TIER_2, TIER_3, TIER_4 = 20, 50, 100
PER_MINUTE = {
    "chat.postMessage": 600,
    "chat.postEphemeral": TIER_4,
    "users.list": TIER_2,
    "users.info": TIER_4,
    "usergroups.users.list": TIER_2,
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "auth.test": TIER_4,
}
DEFAULT_PER_MINUTE = TIER_3
BURST_SECONDS = 10.0  # a bucket holds ten seconds of calls (at least one): Slack allows short bursts
RESERVED_FOR_PEOPLE = 2
# A form opens from a click's trigger_id, which Slack lets expire 3 s after the click: a person's form
# that Slack answers 429 is not retried (the person is told instead), so a burst of form openings never
# holds the threads that acknowledge everyone else.
TRIGGER_METHODS = frozenset({"views.open", "views.push"})
# A read that is better done on a later tick than waited for (a DM's history at one call a minute): its 429
# goes back to the caller at once, who treats the answer as not known yet.
READ_LATER_METHODS = frozenset({"conversations.history"})

_background = contextvars.ContextVar("slack_background_work", default=False)


@contextmanager
def background_work() -> Iterator[None]:
    """Calls made inside this block are the coach's own fan-out: they yield to people's requests."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


def parse_limits(text: str) -> dict[str, int]:
    """`chat.postMessage=300,users.info=50` -> {method: calls a minute}; ValueError says what is wrong."""
    limits: dict[str, int] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        method, sep, number = part.partition("=")
        if not sep or not method.strip() or not number.strip().isdigit() or int(number) < 1:
            raise ValueError(f"'{part}' should look like chat.postMessage=300 (calls a minute, at least 1)")
        limits[method.strip()] = int(number)
    return limits


class _Bucket:
    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * BURST_SECONDS)
        self.reserve = min(RESERVED_FOR_PEOPLE, self.capacity - 1)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.paused_until = 0.0

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now


class RateLimiter:
    """One per process (one bot token): `acquire(method)` blocks until a call may be made."""

    def __init__(self, per_minute: dict[str, int] | None = None, default: int = DEFAULT_PER_MINUTE) -> None:
        self._limits = {**PER_MINUTE, **(per_minute or {})}
        self._default = default
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Condition()
        self.waited: dict[str, float] = {}

    def per_minute(self, method: str) -> int:
        return self._limits.get(method, self._default)

    def _bucket(self, method: str) -> _Bucket:
        bucket = self._buckets.get(method)
        if bucket is None:
            bucket = self._buckets[method] = _Bucket(self.per_minute(method))
        return bucket

    def acquire(self, method: str) -> None:
        started = time.monotonic()
        with self._lock:
            bucket = self._until_room(method)
            bucket.tokens -= 1
        waited = time.monotonic() - started
        if waited > 0.001:
            with self._lock:
                self.waited[method] = self.waited.get(method, 0.0) + waited

    def wait_for_room(self, method: str) -> None:
        """Block until `acquire(method)` would not wait, taking nothing: work whose content should be as fresh
        as it can be when sent (a Home refresh) waits for its turn first and reads what it sends after."""
        with self._lock:
            self._until_room(method)

    def _until_room(self, method: str) -> _Bucket:
        """The method's bucket, once it holds a call for this thread (background work leaves the reserve)."""
        background = _background.get()
        bucket = self._bucket(method)
        while True:
            now = time.monotonic()
            bucket.refill(now)
            need = 1 + (bucket.reserve if background else 0)
            if background and now < bucket.paused_until:
                delay = bucket.paused_until - now
            elif bucket.tokens >= need:
                return bucket
            else:
                delay = (need - bucket.tokens) / bucket.rate
            self._lock.wait(delay)

    def pause(self, method: str, seconds: float) -> None:
        """Slack said 429 with Retry-After: nobody calls `method` until then."""
        with self._lock:
            bucket = self._bucket(method)
            bucket.paused_until = max(bucket.paused_until, time.monotonic() + seconds)
            bucket.tokens = 0.0
            self._lock.notify_all()


def method_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class SharedRetryAfter(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry, but the Retry-After pause is shared through the limiter by every thread."""

    def __init__(self, limiter: RateLimiter, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._limiter = limiter

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        header = next((value for key, value in response.headers.items() if key.lower() == "retry-after"), None)
        value = header[0] if isinstance(header, list) else header
        seconds = float(value) if value is not None and str(value).strip().isdigit() else 1.0
        method = method_of(request.url)
        pause = seconds + random.random() * 0.2
        self._limiter.pause(method, pause)
        if (not _background.get() and method in TRIGGER_METHODS) or method in READ_LATER_METHODS:
            return  # its trigger_id will have expired, or it is read later: the 429 goes back as an error
        if not _background.get():
            time.sleep(pause)
        self._limiter.acquire(method)
        state.next_attempt_requested = True
        state.increment_current_attempt()
