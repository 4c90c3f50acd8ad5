"""Salesforce's Events and call Tasks as activity records (an `ActivitySource`), through the provider's
client and pace (one budget per org).

Reading only, as bot/integrations/activities.py describes: an Event (not all-day, ending after it starts)
is a meeting from StartDateTime to EndDateTime, key "event:<Id>"; a Task of subtype Call whose status is
Completed and which lasted (CallDurationInSeconds above zero) is a call from CompletedDateTime, key
"task:<Id>". OwnerId is the owner; a WhatId naming an Opportunity is the deal; a WhoId naming a Contact or
Lead says the activity was with contacts. Each comes inline from one SOQL query per object (2,000 a page):
never a request per activity.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from bot.integrations.activities import CapturedMeeting
from bot.integrations.salesforce import SalesforceProvider
from bot.integrations.salesforce_records import soql_time, when

SOURCE = "salesforce"
OPPORTUNITY, PEOPLE = "006", ("003", "00Q")  # the Id prefixes of Opportunity, and of Contact and Lead


def _links(record: dict) -> dict:
    what, who = record.get("WhatId") or "", record.get("WhoId") or ""
    return {"owner_id": record.get("OwnerId") or None, "deal_ids": (what,) if what.startswith(OPPORTUNITY) else (),
            "has_contacts": who.startswith(PEOPLE)}  # fmt: skip


def _event(record: dict) -> CapturedMeeting | None:
    starts, ends = when(record.get("StartDateTime")), when(record.get("EndDateTime"))
    if starts is None or ends is None or ends <= starts:
        return None
    return CapturedMeeting(SOURCE, f"event:{record['Id']}", starts, ends, record.get("Subject") or None,
                           kind="meeting", **_links(record))  # fmt: skip


def _call(record: dict) -> CapturedMeeting | None:
    starts, lasted = when(record.get("CompletedDateTime")), record.get("CallDurationInSeconds") or 0
    if starts is None or lasted <= 0:
        return None
    return CapturedMeeting(SOURCE, f"task:{record['Id']}", starts, starts + timedelta(seconds=lasted),
                           record.get("Subject") or None, kind="call", **_links(record))  # fmt: skip


class SalesforceActivities:
    name = SOURCE

    def __init__(self, provider: SalesforceProvider) -> None:
        self._provider = provider

    @property
    def requests(self) -> int:
        return self._provider.requests

    def activities(self, since: datetime, until: datetime) -> Iterator[CapturedMeeting]:
        """Every held Event and completed call Task starting in [since, until): events first."""

        def window(field: str) -> str:
            return f"{field} >= {soql_time(since)} AND {field} < {soql_time(until)}"

        events = self._provider.records(
            "SELECT Id, Subject, StartDateTime, EndDateTime, OwnerId, WhatId, WhoId FROM Event WHERE "
            f"IsAllDayEvent = false AND {window('StartDateTime')}"
        )
        calls = self._provider.records(
            "SELECT Id, Subject, CompletedDateTime, CallDurationInSeconds, OwnerId, WhatId, WhoId FROM Task WHERE "
            f"TaskSubtype = 'Call' AND Status = 'Completed' AND {window('CompletedDateTime')}"
        )
        for record in events:
            if (meeting := _event(record)) is not None:
                yield meeting
        for record in calls:
            if (call := _call(record)) is not None:
                yield call
