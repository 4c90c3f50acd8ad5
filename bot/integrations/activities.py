"""What any activity source (a calendar feed, a CRM's meetings and calls) hands the capture, as plain records.

A source only reads the outside world; placing a meeting on a deal, on prospecting or on "ask the rep"
is decided by the rules, never here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CapturedMeeting:
    """One real, accepted, busy meeting or call, as its source reports it (times aware, in UTC)."""

    source: str  # "calendar", "hubspot", later "salesforce"
    key: str  # stable across reads: a calendar's feed + UID + instance start, a CRM's object type + id
    starts_at: datetime
    ends_at: datetime
    title: str | None
    attendee_emails: tuple[str, ...] = ()  # lower-cased, the rep's own address left out
    owner_id: str | None = None  # a CRM's owner id; a calendar's meetings belong to the feed's rep
    deal_ids: tuple[str, ...] = ()  # the CRM deals the source associates it with
    has_contacts: bool = False  # associated with CRM contacts (prospecting when no deal is)
    kind: str = "meeting"  # "meeting" or "call"


class ActivitySource(Protocol):
    name: str

    def activities(self, since: datetime, until: datetime) -> Iterator[CapturedMeeting]:
        """Every meeting and call that starts in [since, until), in no particular order."""
        ...
