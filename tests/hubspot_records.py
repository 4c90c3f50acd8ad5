"""The HubSpot stand-in's records and search, apart from its server (tests/hubspot_stand_in.py).

A deal keeps the versions of itself that HubSpot's search index has not caught up with yet: search sees
the newest version whose lag has passed, and filters, sorts and pages the way HubSpot's v3 search does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, parse_qsl

from bot.sandbox.served import read_request, reply


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
    versions: list = field(default_factory=list)  # (searchable from, properties) not yet superseded


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def moment_of(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC) if value.isdigit() else datetime.fromisoformat(value)


def indexed(deal: Deal, now: datetime) -> dict | None:
    """The deal as search sees it at `now`: its newest version whose lag has passed (None: not yet)."""
    shown = [version for version in deal.versions if version[0] <= now]
    if shown:
        deal.versions = deal.versions[deal.versions.index(shown[-1]) :]
    return shown[-1][1] if shown else None


def sort_by(found: list[tuple[object, dict]], sorts: list[dict]) -> None:
    for sort in reversed(sorts or [{"propertyName": "hs_object_id"}]):
        name = sort["propertyName"]
        found.sort(key=lambda pair, n=name: _sort_key(pair[1].get(n)), reverse=sort.get("direction") == "DESCENDING")


def paged(items: list, after: int, limit: int, answer: dict) -> dict:
    """`answer` with HubSpot's `paging.next` when more follow `after + limit`."""
    if after + limit < len(items):
        answer["paging"] = {"next": {"after": str(after + limit), "link": "?after=" + str(after + limit)}}
    return answer


def handler_for(stand_in):
    """The HTTP side: each request recorded as an Exchange and answered by `stand_in._route`."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            url, headers, raw = read_request(self)
            form = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            body = (dict(parse_qsl(raw.decode())) if form else json.loads(raw)) if raw else None
            exchange = Exchange(self.command, url.path, parse_qs(url.query), body, headers)
            with stand_in._lock:
                status, body, extra = stand_in._route(exchange)
                exchange.status, exchange.response = status, body
                stand_in.exchanges.append(exchange)
            payload = b"" if status == 204 else json.dumps(body).encode()
            reply(self, status, payload, "application/json;charset=utf-8" if payload else None, extra)

        do_GET = do_POST = do_PATCH = do_DELETE = _any  # noqa: N815

        def log_message(self, *args) -> None:
            return

    return Handler


def error(category: str, message: str) -> dict:
    return {"message": message, "correlationId": "00000000-0000-0000-0000-000000000000", "category": category}


def _sort_key(value: str | None) -> tuple:
    if value is None:
        return (1, 0, "")
    if value.isdigit():
        return (0, int(value), "")
    try:
        return (0, moment_of(value).timestamp() * 1000, "")
    except ValueError:
        return (0, 0, value)


def matches(properties: dict, groups: list[dict]) -> bool:
    if not groups:
        return True
    return any(all(_holds(properties, one) for one in group.get("filters", [])) for group in groups)


def _holds(properties: dict, one: dict) -> bool:
    value = properties.get(one["propertyName"])
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
