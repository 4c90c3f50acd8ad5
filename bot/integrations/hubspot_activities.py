"""HubSpot's meetings and calls as activity records (an `ActivitySource`), through the official client.

Reading only: each held meeting and completed call is handed over with its HubSpot owner, the deals it
is associated with and whether contacts are; whether that is time on a deal, prospecting or a question
for the rep is the capture's rule, never this module's.

Held means: a meeting whose outcome is not CANCELED, NO_SHOW or RESCHEDULED (no outcome yet counts as
booked) and that ends after it starts; a call whose status is COMPLETED and that lasted (hs_call_duration,
in milliseconds, above zero). A window costs one search per 200 meetings or calls (past HubSpot's
10,000-result cap a new search starts from the last start seen), and per page one associations read per
100 ids for deals and one for contacts: never a request per activity. HubSpot's search trails its writes
by seconds, so a caller reads windows that overlap its last read; keys are stable, nothing counts twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import ModuleType

from hubspot.crm.objects import calls, meetings

from bot.integrations.activities import CapturedMeeting
from bot.integrations.hubspot_client import PAGE, Reader, associated, search_pages
from bot.integrations.hubspot_records import ms, number, when

SOURCE = "hubspot"
SCOPES = "crm.objects.contacts.read, for meetings and calls"
NOT_HELD = frozenset({"CANCELED", "NO_SHOW", "RESCHEDULED"})


def _meeting_record(item) -> CapturedMeeting | None:
    props = item.properties or {}
    if (props.get("hs_meeting_outcome") or "").upper() in NOT_HELD:
        return None
    starts, ends = when(props.get("hs_meeting_start_time")), when(props.get("hs_meeting_end_time"))
    if starts is None or ends is None or ends <= starts:
        return None
    return CapturedMeeting(
        SOURCE, f"meeting:{item.id}", starts, ends, props.get("hs_meeting_title") or None,
        owner_id=props.get("hubspot_owner_id") or None, kind="meeting",
    )  # fmt: skip


def _call_record(item) -> CapturedMeeting | None:
    props = item.properties or {}
    starts, lasted = when(props.get("hs_timestamp")), number(props.get("hs_call_duration"))
    if starts is None or not lasted or lasted <= 0:
        return None
    return CapturedMeeting(
        SOURCE, f"call:{item.id}", starts, starts + timedelta(milliseconds=lasted), props.get("hs_call_title") or None,
        owner_id=props.get("hubspot_owner_id") or None, kind="call",
    )  # fmt: skip


@dataclass(frozen=True)
class Kind:
    """One HubSpot activity object: where it lives, what is read of it and how it becomes a record."""

    objects: str  # HubSpot's object type, in paths and associations
    package: ModuleType  # the client's package for it
    start: str  # the property searched on and sorted by
    properties: tuple[str, ...]
    record: Callable[[object], CapturedMeeting | None]
    filters: tuple[dict, ...] = ()  # what HubSpot can leave out on its side


MEETINGS = Kind(
    "meetings", meetings, "hs_meeting_start_time",
    ("hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_title", "hs_meeting_outcome", "hubspot_owner_id"),
    _meeting_record,
)  # fmt: skip
CALLS = Kind(
    "calls", calls, "hs_timestamp",
    ("hs_timestamp", "hs_call_duration", "hs_call_title", "hs_call_status", "hubspot_owner_id"),
    _call_record, ({"propertyName": "hs_call_status", "operator": "EQ", "value": "COMPLETED"},),
)  # fmt: skip


class HubSpotActivities(Reader):
    name = SOURCE
    scopes = SCOPES

    def _take_apis(self, client) -> None:
        self._searches = {
            MEETINGS.objects: client.crm.objects.meetings.search_api,
            CALLS.objects: client.crm.objects.calls.search_api,
        }
        self._associations = client.crm.associations.v4.batch_api

    def activities(self, since: datetime, until: datetime) -> Iterator[CapturedMeeting]:
        """Every held meeting and completed call starting in [since, until): meetings first, each oldest first."""
        for kind in (MEETINGS, CALLS):
            for page in self._pages(kind, since, until):
                held = [(str(item.id), record) for item in page if (record := kind.record(item)) is not None]
                if not held:
                    continue
                ids = [object_id for object_id, _ in held]
                deals = associated(self._call, self._associations, kind.objects, "deals", ids)
                contacts = associated(self._call, self._associations, kind.objects, "contacts", ids)
                for object_id, record in held:
                    deal_ids = tuple(dict.fromkeys(deals.get(object_id, ())))
                    yield replace(record, deal_ids=deal_ids, has_contacts=bool(contacts.get(object_id)))

    def _pages(self, kind: Kind, since: datetime, until: datetime) -> Iterator[list]:
        def request(window: datetime, after: str | None):
            filters = [
                {"propertyName": kind.start, "operator": "GTE", "value": ms(window)},
                {"propertyName": kind.start, "operator": "LT", "value": ms(until)},
                *kind.filters,
            ]
            return kind.package.PublicObjectSearchRequest(
                filter_groups=[{"filters": filters}],
                sorts=[{"propertyName": kind.start, "direction": "ASCENDING"}],
                properties=list(kind.properties),
                limit=PAGE,
                after=after,
            )

        def starts(item) -> datetime | None:
            return when((item.properties or {}).get(kind.start))

        return search_pages(self._call, self._searches[kind.objects].do_search, request, starts, since, kind.objects)
