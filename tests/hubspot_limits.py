"""HubSpot's published rate limits, enforced on the stand-in's side, and a clock tests move by sleeping.

A private app may make 100 requests in any 10 seconds and 5 searches in any second. The stand-in
counts every request in those sliding windows on its own clock; one over either is a violation: it is
answered 429 as HubSpot would and kept in `violations`, which the `hubspot` fixture requires to be
empty after every test. With `FakeTime` as that clock, shared by the client's pacing, minutes of
pacing pass in no time and no test depends on the machine's speed.
"""

from __future__ import annotations

import threading
import time
from collections import deque

PER_TEN_SECONDS = 100
SEARCHES_PER_SECOND = 5


class FakeTime:
    """Seconds since the epoch that pass only when a thread sleeps. Threads sleeping at once overlap, as
    real sleeps do: each wakes at the time it read plus its sleep, not after the others' sleeps too."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()
        self._read = threading.local()

    def __call__(self) -> float:
        with self._lock:
            self._read.at = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now = max(self.now, getattr(self._read, "at", self.now) + seconds)
            self._read.at = self.now


class RealTime:
    """The machine's clock, for a stand-in serving a separate process that paces on real time."""

    def __call__(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Limits:
    def __init__(self, clock) -> None:
        self.clock = clock
        self.requests: deque[float] = deque()
        self.searches: deque[float] = deque()
        self.violations: list[str] = []

    def admit(self, search: bool) -> str | None:
        """Count one request; the policy it breaks (it is then not served), or None."""
        now = self.clock()
        broken = None
        if _count(self.requests, now, 10.0) >= PER_TEN_SECONDS:
            broken = f"over {PER_TEN_SECONDS} requests in 10 s at {now:.3f}"
        elif search and _count(self.searches, now, 1.0) >= SEARCHES_PER_SECOND:
            broken = f"over {SEARCHES_PER_SECOND} searches in 1 s at {now:.3f}"
        self.requests.append(now)
        if search:
            self.searches.append(now)
        if broken:
            self.violations.append(broken)
        return broken


def _count(stamps: deque[float], now: float, window: float) -> int:
    """Requests in the window (now - window, now]; older stamps are dropped."""
    while stamps and stamps[0] <= now - window:
        stamps.popleft()
    return sum(1 for stamp in stamps if stamp <= now)
