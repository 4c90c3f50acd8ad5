"""HubSpot's meetings, calls, contacts and companies, and the v4 associations batch read, added to the HubSpot stand-in.

The same server (tests/hubspot_stand_in.py) with more of HubSpot: meetings and calls kept in memory,
their search endpoints (any property filter, sorting, pages of at most 200, the 10,000-result cap) and
`POST /crm/v4/associations/{from}/{to}/batch/read` as HubSpot answers it: at most 1,000 ids a request,
500 associations an id per answer with a per-id `after`, and a 207 listing the ids that have none
(NO_ASSOCIATIONS_FOUND); deals' contacts and companies through the same read, and contacts' emails and
companies' domains by `POST /crm/v3/objects/{contacts|companies}/batch/read` (at most 100 ids, a 207
naming the missing ones). Token
checks, queued failures and the exchange record are the base's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tests.hubspot_records import error, iso
from tests.hubspot_stand_in import ROUTES, HubSpotStandIn

ASSOCIATIONS_PATH = r"/crm/v4/associations/(?P<from>meetings|calls|deals)/(?P<to>deals|contacts|companies)/batch/read"
ACTIVITY_ROUTES = [
    ("POST", r"/crm/v3/objects/meetings/search", "meetings", "PublicObjectSearchRequest",
     {200: "CollectionResponseWithTotalSimplePublicObjectForwardPaging"}),
    ("POST", r"/crm/v3/objects/calls/search", "calls", "PublicObjectSearchRequest",
     {200: "CollectionResponseWithTotalSimplePublicObjectForwardPaging"}),
    ("POST", ASSOCIATIONS_PATH, "associations", "BatchInputPublicFetchAssociationsBatchRequest",
     {200: "BatchResponsePublicAssociationMultiWithLabel",
      207: "BatchResponsePublicAssociationMultiWithLabelWithErrors"}),
    ("POST", r"/crm/v3/objects/contacts/batch/read", "contacts", "BatchReadInputSimplePublicObjectId",
     {200: "BatchResponseSimplePublicObject", 207: "BatchResponseSimplePublicObjectWithErrors"}),
    ("POST", r"/crm/v3/objects/companies/batch/read", "companies", "BatchReadInputSimplePublicObjectId",
     {200: "BatchResponseSimplePublicObject", 207: "BatchResponseSimplePublicObjectWithErrors"}),
]  # fmt: skip
OBJECTS_READ_LIMIT = 100  # ids per objects batch read
BATCH_READ_LIMIT = 1_000  # ids per associations batch read (HubSpot's limit since February 2025)
ASSOCIATIONS_PAGE = 500  # associations of one id per answer
# HubSpot's own association type ids, from the activity's side.
TYPE_IDS = {("meetings", "contacts"): 200, ("meetings", "deals"): 212,
            ("calls", "contacts"): 194, ("calls", "deals"): 206, ("deals", "contacts"): 3,
            ("deals", "companies"): 5}  # fmt: skip
SINGULAR = {"meetings": "meeting", "calls": "call", "deals": "deal", "contacts": "contact", "companies": "company"}
# The property each objects batch read serves (contacts' emails, companies' domains).
HELD = {"contacts": "email", "companies": "domain"}


@dataclass
class Activity:
    id: str
    properties: dict
    created_at: datetime


class HubSpotActivitiesStandIn(HubSpotStandIn):
    routes = [*ROUTES, *ACTIVITY_ROUTES]

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.activities: dict[str, dict[str, Activity]] = {"meetings": {}, "calls": {}}
            self.links: dict[tuple[str, str, str], list[str]] = {}  # (objects, id, to) -> associated ids
            self.contacts: dict[str, str | None] = {}  # id -> email
            self.companies: dict[str, str | None] = {}  # id -> domain

    # --- what tests do to "HubSpot" directly (a rep logging a meeting or a call) ---

    def add_meeting(
        self, starts: datetime, ends: datetime | None, title: str = "Meeting", outcome: str | None = "COMPLETED",
        owner: str | None = "501", deals=(), contacts=(),
    ) -> str:  # fmt: skip
        properties = {"hs_meeting_title": title, "hs_meeting_outcome": outcome, "hubspot_owner_id": owner,
                      "hs_meeting_start_time": iso(starts), "hs_timestamp": iso(starts),
                      "hs_meeting_end_time": iso(ends) if ends else None}  # fmt: skip
        return self._add("meetings", properties, deals, contacts)

    def add_call(
        self, at: datetime, duration_ms: int | None, title: str = "Call", status: str = "COMPLETED",
        owner: str | None = "501", deals=(), contacts=(),
    ) -> str:  # fmt: skip
        lasted = None if duration_ms is None else str(duration_ms)
        properties = {"hs_call_title": title, "hs_call_status": status, "hubspot_owner_id": owner,
                      "hs_timestamp": iso(at), "hs_call_duration": lasted}  # fmt: skip
        return self._add("calls", properties, deals, contacts)

    def add_contact(self, email: str | None = None, deals=()) -> str:
        """A contact (with an email, if given), associated with `deals`."""
        return self._add_held("contacts", email, deals)

    def add_company(self, domain: str | None = None, deals=()) -> str:
        """A company (with a domain, if given), associated with `deals`."""
        return self._add_held("companies", domain, deals)

    def _add_held(self, objects: str, value: str | None, deals) -> str:
        with self._lock:
            assert all(deal in self.deals for deal in deals), "HubSpot associates existing deals only"
            made = str(self.next_id)
            self.next_id += 1
            (self.contacts if objects == "contacts" else self.companies)[made] = value
            for deal in deals:
                self.links.setdefault(("deals", str(deal), objects), []).append(made)
            return made

    def _add(self, objects: str, properties: dict, deals, contacts) -> str:
        with self._lock:
            assert all(deal in self.deals for deal in deals), "HubSpot associates existing deals only"
            now = self.tick()
            activity = Activity(str(self.next_id), {**properties, "hs_createdate": iso(now)}, now)
            self.next_id += 1
            activity.properties.update(hs_object_id=activity.id, hs_lastmodifieddate=iso(now))
            self.activities[objects][activity.id] = activity
            for to, ids in (("deals", deals), ("contacts", contacts)):
                if ids:
                    self.links[(objects, activity.id, to)] = [str(one) for one in ids]
            return activity.id

    # --- the API ---

    def _serve(self, exchange, found):
        if exchange.route not in ACTIVITY_ROUTES:
            return super()._serve(exchange, found)
        if "to" in found.groupdict():
            return self._associations_read(found["from"], found["to"], exchange.body or {})
        if exchange.route[2] in HELD:
            return self._objects_read(exchange.route[2], exchange.body or {})
        return self._activity_search(exchange.route[2], exchange.body or {})

    def _activity_search(self, objects: str, body: dict) -> tuple[int, dict]:
        wanted = {*(body.get("properties") or ()), "hs_object_id", "hs_createdate", "hs_lastmodifieddate"}

        def render(one: Activity, properties: dict) -> dict:
            return {"id": one.id, "properties": {name: properties.get(name) for name in sorted(wanted)},
                    "createdAt": iso(one.created_at), "updatedAt": iso(one.created_at), "archived": False}  # fmt: skip

        return self._searched(body, [(one, one.properties) for one in self.activities[objects].values()], render)

    def _objects_read(self, objects: str, body: dict) -> tuple[int, dict]:
        inputs = [str(one["id"]) for one in body.get("inputs") or []]
        if len(inputs) > OBJECTS_READ_LIMIT:
            return 400, error("VALIDATION_ERROR", f"at most {OBJECTS_READ_LIMIT} inputs per batch read")
        wanted = {*(body.get("properties") or ()), "hs_object_id"}
        stamp, held = iso(self.clock), self.contacts if objects == "contacts" else self.companies
        results = [
            {"id": one, "properties": {name: {HELD[objects]: held[one], "hs_object_id": one}.get(name)
                                       for name in sorted(wanted)},
             "createdAt": stamp, "updatedAt": stamp, "archived": False}
            for one in inputs if one in held
        ]  # fmt: skip
        answer: dict = {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}
        missing = [one for one in inputs if one not in held]
        if not missing:
            return 200, answer
        message = f"Could not get some {SINGULAR[objects].upper()} objects"
        failed = {"status": "error", "category": "OBJECT_NOT_FOUND", "message": message,
                  "context": {"ids": missing}, "errors": [], "links": {}}  # fmt: skip
        return 207, {**answer, "numErrors": 1, "errors": [failed]}

    def _associations_read(self, objects: str, to: str, body: dict) -> tuple[int, dict]:
        inputs = body.get("inputs") or []
        if len(inputs) > BATCH_READ_LIMIT:
            return 400, error("VALIDATION_ERROR", f"at most {BATCH_READ_LIMIT} inputs per batch read")
        results, errors = [], []
        for one in inputs:
            linked = self.links.get((objects, str(one["id"]), to), [])
            start = int(one.get("after") or 0)
            if not linked:
                errors.append(_none_found(objects, str(one["id"]), to))
                continue
            kind = {"category": "HUBSPOT_DEFINED", "typeId": TYPE_IDS[(objects, to)], "label": None}
            result: dict = {"from": {"id": str(one["id"])},
                            "to": [{"toObjectId": int(target), "associationTypes": [kind]}
                                   for target in linked[start : start + ASSOCIATIONS_PAGE]]}  # fmt: skip
            if start + ASSOCIATIONS_PAGE < len(linked):
                following = str(start + ASSOCIATIONS_PAGE)
                result["paging"] = {"next": {"after": following, "link": None}}
            results.append(result)
        stamp = iso(self.clock)
        answer: dict = {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}
        return (207, {**answer, "numErrors": len(errors), "errors": errors}) if errors else (200, answer)


def _none_found(objects: str, object_id: str, to: str) -> dict:
    return {
        "status": "error", "category": "OBJECT_NOT_FOUND", "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {SINGULAR[to]} is associated with {SINGULAR[objects]} {object_id}.",
        "context": {"fromObjectId": [object_id], "fromObjectType": [SINGULAR[objects]], "toObjectType": [SINGULAR[to]]},
        "errors": [], "links": {},
    }  # fmt: skip
