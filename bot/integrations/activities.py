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
    """A place meetings and calls are read from. A CRM maps its own activities onto CapturedMeeting:

    - HubSpot (hubspot_activities.py): meetings and calls; hubspot_owner_id is `owner_id`, associated
      deals are `deal_ids`, associated contacts set `has_contacts`; key "meeting:<id>" / "call:<id>".
    - Salesforce, next: an Event is a meeting (StartDateTime to EndDateTime, or ActivityDateTime plus
      DurationInMinutes; key "event:<Id>"); a Task with TaskSubtype Call and Status Completed is a call
      (CompletedDateTime, else ActivityDate, plus CallDurationInSeconds; key "task:<Id>"). OwnerId is
      `owner_id`; a WhatId naming an Opportunity (Id prefix 006) is `deal_ids`; a WhoId naming a Contact
      or Lead (003, 00Q) sets `has_contacts`, so with no opportunity it counts as prospecting. Both come
      inline from one SOQL query per object, paged by nextRecordsUrl: no association reads needed.
    """

    name: str

    def activities(self, since: datetime, until: datetime) -> Iterator[CapturedMeeting]:
        """Every meeting and call that starts in [since, until), in no particular order."""
        ...
