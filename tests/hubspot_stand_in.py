"""A local stand-in for the parts of HubSpot's CRM API the product uses, so tests never reach HubSpot.

It keeps deals, owners and one deals pipeline in memory and answers the way HubSpot's v3 API does:
search on any property with paging and HubSpot's 10,000-result cap, batch read (207 for missing ids),
create, update, archived listing, merges (the survivor lists the merged ids in hs_merged_object_ids),
owners, pipelines and deal properties (a property with a unique value refuses a second deal holding the
same value, 409, and reads a deal by it). It enforces HubSpot's rate limits on its own clock
(tests/hubspot_limits.py), and its search index trails writes by `search_lag` on its record clock, as
HubSpot's does: a change is found by search only that long after it was made (reads by id see it at
once). Failures are queued on demand: 401, 429 with Retry-After, 5xx (optionally after the write was
applied, as a real timeout can be: a create's answer lost). Every exchange is recorded, and ROUTES names the
client's own request and response model for each path, so tests/test_hubspot_contract.py can check that
both sides are shapes the official client builds and reads.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from bot.sandbox.served import Served, local_server
from tests.hubspot_limits import FakeTime, Limits, RealTime
from tests.hubspot_records import (
    Deal,
    Exchange,
    Failure,
    error,
    handler_for,
    indexed,
    iso,
    matches,
    moment_of,
    paged,
    sort_by,
)

TOKEN = "pat-stand-in-token"
SEARCH_CAP = 10_000
# (HTTP method, path pattern, client package, request model, response model by status)
ROUTES = [
    ("POST", r"/crm/v3/objects/deals/search", "deals", "PublicObjectSearchRequest",
     {200: "CollectionResponseWithTotalSimplePublicObjectForwardPaging"}),
    ("POST", r"/crm/v3/objects/deals/batch/read", "deals", "BatchReadInputSimplePublicObjectId",
     {200: "BatchResponseSimplePublicObject", 207: "BatchResponseSimplePublicObjectWithErrors"}),
    ("POST", r"/crm/v3/objects/deals", "deals", "SimplePublicObjectInputForCreate", {201: "SimplePublicObject"}),
    ("PATCH", r"/crm/v3/objects/deals/(?P<id>\d+)", "deals", "SimplePublicObjectInput", {200: "SimplePublicObject"}),
    ("GET", r"/crm/v3/objects/deals", "deals", None,
     {200: "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging"}),
    ("GET", r"/crm/v3/objects/deals/(?P<id>[^/]+)", "deals", None, {200: "SimplePublicObjectWithAssociations"}),
    ("GET", r"/crm/v3/properties/deals/(?P<id>\w+)", "properties", None, {200: "ModelProperty"}),
    ("POST", r"/crm/v3/properties/deals", "properties", "PropertyCreate", {201: "ModelProperty"}),
    ("GET", r"/crm/v3/owners/?", "owners", None, {200: "CollectionResponsePublicOwnerForwardPaging"}),
    ("GET", r"/crm/v3/pipelines/deals", "pipelines", None, {200: "CollectionResponsePipelineNoPaging"}),
    ("GET", r"/crm/v3/pipelines/deals/(?P<id>[\w-]+)", "pipelines", None, {200: "Pipeline"}),
]  # fmt: skip
ERROR_MODEL = "Error"
STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
    ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
    ("contractsent", "Contract Sent", "0.9", "false"),
    ("closedwon", "Closed Won", "1.0", "true"),
    ("closedlost", "Closed Lost", "0.0", "true"),
]


class HubSpotStandIn(Served):
    routes = ROUTES  # a stand-in with more of HubSpot extends these (tests/hubspot_activities_stand_in.py)

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.RLock()
        self.serve(local_server(handler_for(self)))
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.exchanges = []
            self.deals: dict[str, Deal] = {}
            self.owners: list[dict] = []
            self.failures: list[Failure] = []
            self.next_id = 1001
            self.clock = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
            self.pipeline_id = "default"
            self.search_lag = timedelta(0)
            self.step = timedelta(milliseconds=1)  # how far the record clock moves at each write
            self.properties: dict[str, dict] = {}  # deal properties made through the API
            self.time = RealTime()
            self.limits = Limits(self.time)

    def fake_time(self) -> FakeTime:
        """Rate limits counted on a clock that moves only when the client's pacing sleeps."""
        self.time = FakeTime()
        self.limits = Limits(self.time)
        return self.time

    @property
    def violations(self) -> list[str]:
        return self.limits.violations

    # --- what tests do to "HubSpot" directly (as a person in HubSpot's UI would) ---

    def tick(self) -> datetime:
        """Every write happens at a distinct moment (`step` apart), as HubSpot's modification times mostly do."""
        self.clock += self.step
        return self.clock

    def add_owner(self, owner_id: str, email: str, first: str = "Ada", last: str = "Lovelace") -> None:
        stamp = iso(self.clock)
        self.owners.append(
            {"id": owner_id, "email": email, "firstName": first, "lastName": last, "userId": int(owner_id),
             "type": "PERSON", "archived": False, "createdAt": stamp, "updatedAt": stamp}
        )  # fmt: skip

    def add_deal(self, **properties: str | None) -> str:
        with self._lock:
            return self._create({k: v for k, v in properties.items() if v is not None}).id

    def update_deal(self, deal_id: str, **properties: str) -> None:
        with self._lock:
            deal = self.deals[deal_id]
            deal.properties.update(properties)
            self._touch(deal)

    def archive_deal(self, deal_id: str) -> None:
        with self._lock:
            deal = self.deals[deal_id]
            deal.archived_at = self.tick()
            self._touch(deal, deal.archived_at)

    def merge_deals(self, primary: str, merged: str) -> None:
        with self._lock:
            survivor, gone = self.deals[primary], self.deals[merged]
            gone.merged_into = primary
            ids = [i for i in survivor.properties.get("hs_merged_object_ids", "").split(";") if i]
            survivor.properties["hs_merged_object_ids"] = ";".join([*ids, merged])
            self._touch(survivor)

    def fail_next(self, status: int, method: str | None = None, path: str | None = None, **options) -> None:
        self.failures.append(Failure(status, method, path, **options))

    def of(self, method: str, path_start: str) -> list[Exchange]:
        with self._lock:
            return [x for x in self.exchanges if x.method == method and x.path.startswith(path_start)]

    def live_deals(self) -> list[Deal]:
        return [d for d in self.deals.values() if d.archived_at is None and d.merged_into is None]

    def authorized(self, header: str | None) -> bool:
        """The private app's token (a portal behind tests/hubspot_oauth_stand_in.py takes its OAuth tokens)."""
        return header == f"Bearer {TOKEN}"

    # --- the API ---

    def _create(self, properties: dict) -> Deal:
        now = self.tick()
        deal_id = str(self.next_id)
        self.next_id += 1
        props = {"pipeline": self.pipeline_id, **properties, "hs_object_id": deal_id}
        props.setdefault("createdate", iso(now))
        created = moment_of(props["createdate"]) if props["createdate"] else now
        deal = Deal(deal_id, props, created, now)
        self.deals[deal_id] = deal
        self._touch(deal, now)
        return deal

    def _touch(self, deal: Deal, when: datetime | None = None) -> None:
        deal.updated_at = when or self.tick()
        deal.properties["hs_lastmodifieddate"] = iso(deal.updated_at)
        deal.versions.append((deal.updated_at + self.search_lag, dict(deal.properties)))

    def _taken(self, properties: dict, deal_id: str | None = None) -> str | None:
        """A unique property's value another live deal already holds, if any."""
        for name, spec in self.properties.items():
            value = properties.get(name)
            if (
                spec.get("hasUniqueValue")
                and value
                and any(d.properties.get(name) == value and d.id != deal_id for d in self.live_deals())
            ):
                return name
        return None

    def _object(self, deal: Deal, wanted: list[str] | None, shown: dict | None = None) -> dict:
        always = ("hs_object_id", "createdate", "hs_lastmodifieddate")
        names = set(wanted or ("dealname", "amount", "dealstage", "pipeline", "closedate")) | set(always)
        properties = deal.properties if shown is None else shown
        body = {
            "id": deal.id,
            "properties": {name: properties.get(name) for name in sorted(names)},
            "createdAt": iso(deal.created_at),
            "updatedAt": iso(deal.updated_at),
            "archived": deal.archived_at is not None,
        }
        if deal.archived_at is not None:
            body["archivedAt"] = iso(deal.archived_at)
        return body

    def _search(self, body: dict) -> tuple[int, dict]:
        shown = [(d, seen) for d in self.live_deals() if (seen := indexed(d, self.clock)) is not None]
        return self._searched(body, shown, lambda d, seen: self._object(d, body.get("properties"), seen))

    def _searched(self, body: dict, shown: list[tuple], render) -> tuple[int, dict]:
        """HubSpot's search over (record, its properties as search sees them): filters, sorts, pages of at
        most 200 and the 10,000-result cap; `render(record, properties)` is one result."""
        limit = int(body.get("limit") or 10)
        after = int(body.get("after") or 0)
        if limit > 200:
            return 400, error("VALIDATION_ERROR", "limit must be at most 200")
        if after + limit > SEARCH_CAP:
            return 400, error("VALIDATION_ERROR", f"paging past {SEARCH_CAP} results is not supported")
        found = [(one, seen) for one, seen in shown if matches(seen, body.get("filterGroups") or [])]
        sort_by(found, body.get("sorts"))
        results = [render(one, seen) for one, seen in found[after : after + limit]]
        return 200, paged(found, after, limit, {"total": len(found), "results": results})

    def _batch_read(self, body: dict) -> tuple[int, dict]:
        wanted = [item["id"] for item in body.get("inputs", [])]
        found = [self.deals[i] for i in wanted if i in self.deals and self.deals[i] in self.live_deals()]
        missing = [i for i in wanted if i not in {d.id for d in found}]
        stamp = iso(self.clock)
        answer: dict = {"status": "COMPLETE", "results": [self._object(d, body.get("properties")) for d in found],
                        "startedAt": stamp, "completedAt": stamp}  # fmt: skip
        if not missing:
            return 200, answer
        error = {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some DEAL objects",
                 "context": {"ids": missing}, "errors": [], "links": {}}  # fmt: skip
        return 207, {**answer, "numErrors": 1, "errors": [error]}

    def _archived(self, query: dict) -> tuple[int, dict]:
        limit = min(int(query.get("limit", ["10"])[0]), 100)
        after = int(query.get("after", ["0"])[0])
        gone = sorted((d for d in self.deals.values() if d.archived_at is not None), key=lambda d: int(d.id))
        results = [self._object(d, query.get("properties")) for d in gone[after : after + limit]]
        return 200, paged(gone, after, limit, {"results": results})

    def _owners(self, query: dict) -> tuple[int, dict]:
        limit = min(int(query.get("limit", ["100"])[0]), 500)
        after = int(query.get("after", ["0"])[0])
        return 200, paged(self.owners, after, limit, {"results": self.owners[after : after + limit]})

    def _pipeline(self) -> dict:
        stamp = iso(datetime(2026, 1, 1, tzinfo=UTC))
        stages = [
            {"id": sid, "label": label, "displayOrder": order, "metadata": {"probability": p, "isClosed": closed},
             "archived": False, "createdAt": stamp, "updatedAt": stamp,
             "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
            for order, (sid, label, p, closed) in enumerate(STAGES)
        ]  # fmt: skip
        return {"id": self.pipeline_id, "label": "Sales Pipeline", "displayOrder": 0, "stages": stages,
                "archived": False, "createdAt": stamp, "updatedAt": stamp}  # fmt: skip

    def _route(self, exchange: Exchange) -> tuple[int, object, dict]:
        for route in self.routes:
            found = re.fullmatch(route[1], exchange.path)
            if route[0] == exchange.method and found:
                exchange.route = route
                break
        else:
            return 404, error("NOT_FOUND", f"no route {exchange.method} {exchange.path}"), {}
        if not self.authorized(exchange.headers.get("authorization")):
            return 401, error("INVALID_AUTHENTICATION", "Authentication credentials not found."), {}
        broken = self.limits.admit(search=exchange.path.endswith("/search"))
        if broken:
            return 429, error("RATE_LIMITS", f"You went {broken}."), {"Retry-After": "1"}
        failure = self._failure_for(exchange)
        if failure and not failure.after_applying:
            return self._failed(failure)
        status, body = self._serve(exchange, found)
        if failure:
            return self._failed(failure)
        return status, body, {}

    def _serve(self, exchange: Exchange, found: re.Match) -> tuple[int, object]:
        method, path, body, query = exchange.method, exchange.path, exchange.body or {}, exchange.query
        groups = found.groupdict()
        if path.startswith("/crm/v3/properties"):
            return self._property(method, body, groups.get("id"))
        if path.endswith("/search"):
            return self._search(body)
        if path.endswith("/batch/read"):
            return self._batch_read(body)
        if method == "POST":
            properties = dict(body.get("properties") or {})
            if self._taken(properties):
                return 409, error("CONFLICT", "A deal already holds that unique value")
            return 201, self._object(self._create(properties), None)
        if method == "PATCH":
            deal = self.deals.get(groups["id"])
            if deal is None or deal not in self.live_deals():
                return 404, error("OBJECT_NOT_FOUND", "resource not found")
            if self._taken(body.get("properties") or {}, deal.id):
                return 409, error("CONFLICT", "A deal already holds that unique value")
            deal.properties.update(body.get("properties") or {})
            self._touch(deal)
            return 200, self._object(deal, list(body.get("properties") or {}))
        if path.startswith("/crm/v3/objects/deals/"):
            return self._one_deal(unquote(groups["id"]), query)
        if path.startswith("/crm/v3/objects/deals"):
            return self._archived(query)
        if path.startswith("/crm/v3/owners"):
            return self._owners(query)
        if "id" in groups:
            return (200, self._pipeline()) if groups["id"] == self.pipeline_id else (404, error("NOT_FOUND", "no"))
        return 200, {"results": [self._pipeline()]}

    def _one_deal(self, wanted: str, query: dict) -> tuple[int, object]:
        by = query.get("idProperty", ["hs_object_id"])[0]
        for deal in self.live_deals():
            if deal.properties.get(by) == wanted:
                wanted_names = [name for names in query.get("properties", []) for name in names.split(",") if name]
                return 200, self._object(deal, wanted_names or None)
        return 404, error("OBJECT_NOT_FOUND", "resource not found")

    def _property(self, method: str, body: dict, name: str | None) -> tuple[int, object]:
        if method == "POST":
            if body["name"] in self.properties:
                return 409, error("CONFLICT", f"Property {body['name']} already exists")
            stamp = iso(self.clock)
            self.properties[body["name"]] = {"options": [], "createdAt": stamp, "updatedAt": stamp, **body}
            return 201, self.properties[body["name"]]
        known = self.properties.get(name or "")
        return (200, known) if known else (404, error("OBJECT_NOT_FOUND", f"Property {name} does not exist"))

    def _failure_for(self, exchange: Exchange) -> Failure | None:
        for failure in self.failures:
            if failure.method in (None, exchange.method) and (failure.path is None or exchange.path == failure.path):
                self.failures.remove(failure)
                return failure
        return None

    def _failed(self, failure: Failure) -> tuple[int, dict, dict]:
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        category = {401: "INVALID_AUTHENTICATION", 429: "RATE_LIMITS"}.get(failure.status, "INTERNAL_ERROR")
        return failure.status, error(category, f"stand-in answered {failure.status}"), headers
