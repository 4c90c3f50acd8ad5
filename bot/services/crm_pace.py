"""The pace of a CRM account's calls, shared through the database (storage/crm_pace.py).

Each bucket is kept per account (HubSpot: per portal and private app, which is what its limits count,
so the key is a digest of the access token: never the token itself). Every thread and process of every
workspace that uses the same token spends from the same buckets, so together they stay under the CRM's
limits without knowing how many of them there are.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from storage import crm_pace
from storage.db import Database


class SharedPace:
    def __init__(
        self,
        db: Database,
        account: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._db, self._clock, self._sleep = db, clock, sleep
        self._account = "hubspot:" + hashlib.sha256(account.encode()).hexdigest()[:24]

    def __call__(self, buckets: tuple[tuple[str, float, float], ...]) -> None:
        """Return once a token of every bucket (name, tokens a second, capacity) is ours to use, in order."""
        for name, rate, capacity in buckets:
            wait = crm_pace.reserve(self._db, f"{self._account}:{name}", rate, capacity, self._clock())
            if wait > 0:
                self._sleep(wait)
