"""A local stand-in for the parts of HubSpot's CRM API the product uses, so tests never reach HubSpot.

It keeps deals, owners and one deals pipeline in memory and answers the way HubSpot's v3 API does:
search on any property with paging and HubSpot's 10,000-result cap, batch read (207 for missing ids),
create, update, archived listing, merges (the survivor lists the merged ids in hs_merged_object_ids),
owners and pipelines. Failures are queued on demand: 401, 429 with Retry-After, 5xx (optionally after
the write was applied, as a real timeout can be). Every exchange is recorded, and ROUTES names the
client's own request and response model for each path, so tests/test_hubspot_contract.py can check that
both sides are shapes the official client builds and reads.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

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


@dataclass
class Exchange:
    method: str
    path: str
    query: dict
    body: object
    headers: dict
    status: int = 0
    response: object = None
    route: tuple | None = None


@dataclass
class Failure:
    status: int
    method: str | None = None
    path: str | None = None
    retry_after: int | None = None
    after_applying: bool = False  # a 5xx answered after the write was done (what a timeout can hide)


@dataclass
class Deal:
    id: str
    properties: dict
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None
    merged_into: str | None = None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _moment(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC) if value.isdigit() else datetime.fromisoformat(value)


class HubSpotStandIn:
    routes = ROUTES  # a stand-in with more of HubSpot extends these (tests/hubspot_activities_stand_in.py)

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.reset()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> HubSpotStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.exchanges = []
            self.deals: dict[str, Deal] = {}
            self.owners: list[dict] = []
            self.failures: list[Failure] = []
            self.next_id = 1001
            self.clock = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
            self.pipeline_id = "default"

    # --- what tests do to "HubSpot" directly (as a person in HubSpot's UI would) ---

    def tick(self) -> datetime:
        """Every write happens at a distinct millisecond, as HubSpot's modification times mostly do."""
        self.clock += timedelta(milliseconds=1)
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

    # --- the API ---

    def _create(self, properties: dict) -> Deal:
        now = self.tick()
        deal_id = str(self.next_id)
        self.next_id += 1
        props = {"pipeline": self.pipeline_id, **properties, "hs_object_id": deal_id}
        props.setdefault("createdate", iso(now))
        created = _moment(props["createdate"]) if props["createdate"] else now
        deal = Deal(deal_id, props, created, now)
        self.deals[deal_id] = deal
        self._touch(deal, now)
        return deal

    def _touch(self, deal: Deal, when: datetime | None = None) -> None:
        deal.updated_at = when or self.tick()
        deal.properties["hs_lastmodifieddate"] = iso(deal.updated_at)

    def _object(self, deal: Deal, wanted: list[str] | None, with_associations: bool = False) -> dict:
        always = ("hs_object_id", "createdate", "hs_lastmodifieddate")
        names = set(wanted or ("dealname", "amount", "dealstage", "pipeline", "closedate")) | set(always)
        body = {
            "id": deal.id,
            "properties": {name: deal.properties.get(name) for name in sorted(names)},
            "createdAt": iso(deal.created_at),
            "updatedAt": iso(deal.updated_at),
            "archived": deal.archived_at is not None,
        }
        if deal.archived_at is not None:
            body["archivedAt"] = iso(deal.archived_at)
        return body

    def _search(self, body: dict) -> tuple[int, dict]:
        limit = int(body.get("limit") or 10)
        after = int(body.get("after") or 0)
        if limit > 200:
            return 400, _error("VALIDATION_ERROR", "limit must be at most 200")
        if after + limit > SEARCH_CAP:
            return 400, _error("VALIDATION_ERROR", f"paging past {SEARCH_CAP} results is not supported")
        found = [d for d in self.live_deals() if _matches(d, body.get("filterGroups") or [])]
        for sort in reversed(body.get("sorts") or [{"propertyName": "hs_object_id"}]):
            name = sort["propertyName"]
            found.sort(
                key=lambda d, n=name: _sort_key(d.properties.get(n)), reverse=sort.get("direction") == "DESCENDING"
            )
        page = found[after : after + limit]
        answer: dict = {"total": len(found), "results": [self._object(d, body.get("properties")) for d in page]}
        if after + limit < len(found):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=" + str(after + limit)}}
        return 200, answer

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
        page = gone[after : after + limit]
        answer: dict = {"results": [self._object(d, query.get("properties")) for d in page]}
        if after + limit < len(gone):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=" + str(after + limit)}}
        return 200, answer

    def _owners(self, query: dict) -> tuple[int, dict]:
        limit = min(int(query.get("limit", ["100"])[0]), 500)
        after = int(query.get("after", ["0"])[0])
        answer: dict = {"results": self.owners[after : after + limit]}
        if after + limit < len(self.owners):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=" + str(after + limit)}}
        return 200, answer

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
            return 404, _error("NOT_FOUND", f"no route {exchange.method} {exchange.path}"), {}
        if exchange.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, _error("INVALID_AUTHENTICATION", "Authentication credentials not found."), {}
        failure = self._failure_for(exchange)
        if failure and not failure.after_applying:
            return self._failed(failure)
        status, body = self._serve(exchange, found)
        if failure:
            return self._failed(failure)
        return status, body, {}

    def _serve(self, exchange: Exchange, found: re.Match) -> tuple[int, object]:
        method, path, body, query = exchange.method, exchange.path, exchange.body or {}, exchange.query
        if path.endswith("/search"):
            return self._search(body)
        if path.endswith("/batch/read"):
            return self._batch_read(body)
        if method == "POST":
            return 201, self._object(self._create(dict(body.get("properties") or {})), None)
        if method == "PATCH":
            deal = self.deals.get(found["id"])
            if deal is None or deal not in self.live_deals():
                return 404, _error("OBJECT_NOT_FOUND", "resource not found")
            deal.properties.update(body.get("properties") or {})
            self._touch(deal)
            return 200, self._object(deal, list(body.get("properties") or {}))
        if path.startswith("/crm/v3/objects/deals"):
            return self._archived(query)
        if path.startswith("/crm/v3/owners"):
            return self._owners(query)
        if "id" in found.groupdict():
            return (200, self._pipeline()) if found["id"] == self.pipeline_id else (404, _error("NOT_FOUND", "no"))
        return 200, {"results": [self._pipeline()]}

    def _failure_for(self, exchange: Exchange) -> Failure | None:
        for failure in self.failures:
            if failure.method in (None, exchange.method) and (failure.path is None or exchange.path == failure.path):
                self.failures.remove(failure)
                return failure
        return None

    def _failed(self, failure: Failure) -> tuple[int, dict, dict]:
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        category = {401: "INVALID_AUTHENTICATION", 429: "RATE_LIMITS"}.get(failure.status, "INTERNAL_ERROR")
        return failure.status, _error(category, f"stand-in answered {failure.status}"), headers

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                exchange = Exchange(
                    self.command, url.path, parse_qs(url.query), json.loads(raw) if raw else None, headers
                )
                with stand_in._lock:
                    status, body, extra = stand_in._route(exchange)
                    exchange.status, exchange.response = status, body
                    stand_in.exchanges.append(exchange)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _any  # noqa: N815

            def log_message(self, *args) -> None:
                return

        return Handler


def _error(category: str, message: str) -> dict:
    return {"message": message, "correlationId": "00000000-0000-0000-0000-000000000000", "category": category}


def _sort_key(value: str | None) -> tuple:
    if value is None:
        return (1, 0, "")
    if value.isdigit():
        return (0, int(value), "")
    try:
        return (0, _moment(value).timestamp() * 1000, "")
    except ValueError:
        return (0, 0, value)


def _matches(deal: Deal, groups: list[dict]) -> bool:
    if not groups:
        return True
    return any(all(_holds(deal, one) for one in group.get("filters", [])) for group in groups)


def _holds(deal: Deal, one: dict) -> bool:
    value = deal.properties.get(one["propertyName"])
    operator = one["operator"]
    if operator == "HAS_PROPERTY":
        return value not in (None, "")
    if operator == "IN":
        return value in one.get("values", [])
    if value is None:
        return operator == "NEQ"
    mine, theirs = _sort_key(value), _sort_key(one.get("value", ""))
    return {"EQ": mine == theirs, "NEQ": mine != theirs, "GT": mine > theirs, "GTE": mine >= theirs,
            "LT": mine < theirs, "LTE": mine <= theirs}[operator]  # fmt: skip
