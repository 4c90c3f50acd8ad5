"""The bot's share of a Salesforce org's daily API allowance, kept through the database.

Salesforce counts every API request an org makes over a rolling 24 hours against one allowance, and
stops them all with REQUEST_LIMIT_EXCEEDED once it is spent: other integrations depend on it too. So the
bot keeps to SALESFORCE_API_SHARE of it (a quarter by default), paced across the day: a token bucket in
storage/crm_pace.py (one per org, shared by every thread, process and workspace on it) refills at the
share spread over 24 hours and holds at most an hour's worth, so a burst (the first import, a busy sync)
goes at once and a long one slows down well before the share is spent. The allowance is Salesforce's
own reading, `Sforce-Limit-Info: api-usage=used/max` on every answer, kept beside the bucket; before the
first reading the smallest allowance any org has is assumed. When the reading shows the org as a whole
close to its allowance, whoever spent it, the bot stops until the next run rather than take the last of it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from bot.integrations.base import CrmError
from storage import crm_pace
from storage.db import Database

SMALLEST_ALLOWANCE = 15_000  # a Developer Edition org's daily allowance: assumed until Salesforce says
ORG_CEILING = 0.9  # the org as a whole past this share of its allowance: the bot waits for the next run
BURST_HOURS = 1.0  # the bucket holds this many hours of the bot's share
LONGEST_WAIT = 15 * 60.0  # a wait longer than this ends the run instead (the next one picks up)


class SalesforcePace:
    def __init__(
        self, db: Database, org: str, share: float, clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        """`org`: what names the org (its instance URL); only a digest of it is stored."""
        self._db, self._share, self._clock, self._sleep = db, share, clock, sleep
        self._key = "salesforce:" + hashlib.sha256(org.encode()).hexdigest()[:24]

    def allowance(self) -> tuple[float, float]:
        """(used, allowed) in the org's last 24 hours, as Salesforce last said (used 0 before any reading)."""
        used = crm_pace.reading(self._db, f"{self._key}:used")
        allowed = crm_pace.reading(self._db, f"{self._key}:max")
        return (used[0] if used else 0.0, allowed[0] if allowed else float(SMALLEST_ALLOWANCE))

    def take(self) -> None:
        used, allowed = self.allowance()
        if used >= allowed * ORG_CEILING:
            raise CrmError(
                f"Salesforce's daily API allowance is nearly spent ({int(used)} of {int(allowed)} used by the "
                "org): the sync waits for the next run"
            )
        daily = self._share * allowed
        capacity = max(daily * BURST_HOURS / 24, 1.0)
        rate = (daily - capacity) / 86_400 if daily > capacity else daily / 86_400
        wait = crm_pace.reserve(self._db, f"{self._key}:api", rate, capacity, self._clock())
        if wait > LONGEST_WAIT:
            raise CrmError(
                f"the bot's share of Salesforce's daily API allowance ({self._share:.0%}) is spent for now: "
                "the sync picks up when it has refilled"
            )
        if wait > 0:
            self._sleep(wait)

    def note(self, used: int, allowed: int) -> None:
        now = self._clock()
        crm_pace.note_reading(self._db, f"{self._key}:used", float(used), now)
        crm_pace.note_reading(self._db, f"{self._key}:max", float(allowed), now)
