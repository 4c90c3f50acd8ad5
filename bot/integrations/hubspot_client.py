"""How every HubSpot reader and writer talks to HubSpot: one official client, one way to call it.

Each call first takes its turn from `pace` (a token bucket per portal that every thread and process
shares, bot/services/crm_pace.py: the deal sync and the meetings-and-calls reader spend from the same
one), so HubSpot's published limits are kept before any 429: a private app may make 100 requests per
10 seconds, and the search endpoints 5 a second. A 429 anyway waits for the Retry-After HubSpot sends
(bounded), 5xx and dropped connections are retried with a short, bounded backoff (never for a create,
whose first try may have landed), a 409 is a `Conflict` (a unique value already held), and 401/403
become one `BadToken` naming the setting, never the token.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import hubspot
from hubspot.crm import contacts, deals, owners, pipelines, properties
from hubspot.crm.associations import v4 as associations
from hubspot.crm.objects import calls, meetings
from urllib3.exceptions import HTTPError as TransportError
from urllib3.util.retry import Retry

from bot import metrics
from bot.integrations.base import BadToken, Conflict, CrmError, NotFound
from bot.integrations.hubspot_records import next_after, number

log = logging.getLogger("pipeline_coach.hubspot")

PAGE = 200  # the search endpoint's largest page
BATCH = 100  # ids per associations or objects batch read
SEARCH_CAP = 10_000  # HubSpot's search returns at most this many results for one query
# HubSpot's published limits, kept with room to spare: at most 10 + 8 x 10 = 90 requests in any 10 s
# (the limit is 100) and 1 + 2 = 3 searches in any second (the limit is 5). A search spends from both.
# The room covers a request that reaches HubSpot up to a second after it took its token.
REQUESTS = ("requests", 8.0, 10.0)  # (bucket, tokens a second, capacity)
SEARCHES = ("searches", 2.0, 1.0)
MAX_TRIES = 4
LONGEST_WAIT = 30.0
TIMEOUT = (5, 30)
# Each package of the client raises its own ApiException class.
API_ERRORS = tuple(
    package.ApiException for package in (deals, owners, pipelines, properties, meetings, calls, contacts, associations)
)
# urllib3 retries only failed connections; status codes (429 included) are ours to handle, in Caller.
_CONNECT_ONLY = Retry(total=2, connect=2, read=0, status=0, redirect=0, respect_retry_after_header=False)

Pace = Callable[[tuple[tuple[str, float, float], ...]], None]


def connect(access_token: str, host: str | None = None) -> hubspot.Client:
    options = {"access_token": access_token, "retry": _CONNECT_ONLY}
    if host:
        options["host"] = host.rstrip("/")
    return hubspot.Client.create(**options)


class Reader:
    """What every reader of one HubSpot portal starts from: the official client, its API handles taken once
    (`_take_apis`), and one Caller that paces, retries and counts. `pace(buckets)` returns when a request
    may go: give every reader of a portal the same one, so they share one budget (None: unpaced, for
    one-off scripts only)."""

    scopes = "see docs/admins/crm.md"  # what a refused token lacks, in the one line an operator reads

    def __init__(
        self, access_token: str, host: str | None = None, sleep: Callable[[float], None] = clock.sleep,
        pace: Pace | None = None,
    ) -> None:  # fmt: skip
        self._take_apis(connect(access_token, host))
        self._call = Caller(self.scopes, sleep, pace)

    def _take_apis(self, client: hubspot.Client) -> None:
        """Each property of the client's discovery tree builds a fresh API client: keep one of each."""

    @property
    def requests(self) -> int:
        return self._call.requests


class Caller:
    """Makes one client call within HubSpot's limits; counts every request it sends (and, for GET /metrics,
    every answer)."""

    def __init__(self, scopes: str, sleep: Callable[[float], None] = clock.sleep, pace: Pace | None = None) -> None:
        """`scopes` names what a 403 lacks; `pace(buckets)` returns when a request may go (None: unpaced)."""
        self._scopes = scopes
        self._sleep = sleep
        self._pace = pace or (lambda buckets: None)
        self.requests = 0

    def __call__(self, method, *args, retry_errors: bool = True, **kwargs):
        buckets = (REQUESTS, SEARCHES) if method.__name__ == "do_search" else (REQUESTS,)
        for attempt in range(1, MAX_TRIES + 1):
            self._pace(buckets)
            self.requests += 1
            try:
                answer = method(*args, _request_timeout=TIMEOUT, **kwargs)
            except API_ERRORS as error:
                status = error.status or 0
                metrics.hubspot_answered(status)
                if status in (401, 403):
                    what = "is not valid or has expired" if status == 401 else f"lacks a scope ({self._scopes})"
                    raise BadToken(f"HubSpot refused HUBSPOT_ACCESS_TOKEN: it {what}") from None
                if status == 404:
                    raise NotFound(f"HubSpot has no such record ({status})") from None
                if status == 409:
                    raise Conflict("HubSpot already holds a record with that unique value") from None
                if status == 429 and attempt < MAX_TRIES:
                    self._sleep(min(number((error.headers or {}).get("Retry-After")) or 1.0, LONGEST_WAIT))
                    continue
                if status >= 500 and retry_errors and attempt < MAX_TRIES:
                    self._sleep(0.2 * 2 ** (attempt - 1))
                    continue
                raise CrmError(f"HubSpot answered {status} {error.reason or ''}".strip()) from None
            except (TransportError, OSError) as error:
                metrics.hubspot_answered(None)
                if retry_errors and attempt < MAX_TRIES:
                    self._sleep(0.2 * 2 ** (attempt - 1))
                    continue
                raise CrmError(f"HubSpot could not be reached: {error.__class__.__name__}") from None
            else:
                metrics.hubspot_answered(200)
                return answer
        raise CrmError("HubSpot kept answering 429 (rate limited)")


def search_pages(
    call: Caller,
    do_search,
    request_for: Callable[[datetime | None, str | None], object],
    moment_of: Callable[[object], datetime | None],
    since: datetime | None,
    what: str,
) -> Iterator[list]:
    """Every result of a search sorted ascending on one date-time property, page by page, each once.

    `request_for(window, after)` builds one page's request, filtered from `window` on (None: from the
    start). Past HubSpot's 10,000-result cap the search starts again from the last moment seen, skipping
    what was already yielded; a whole cap sharing one millisecond is stepped past."""
    cursor, seen_at_cursor = since, set()
    while True:
        window, after = cursor, None  # one query's filter stays fixed while its pages are read
        while True:
            page = call(do_search, public_object_search_request=request_for(window, after))
            fresh = []
            for item in page.results:
                moment = moment_of(item)
                if moment is None or (moment == cursor and item.id in seen_at_cursor):
                    continue
                if moment != cursor:
                    cursor, seen_at_cursor = moment, set()
                seen_at_cursor.add(item.id)
                fresh.append(item)
            yield fresh
            after = next_after(page)
            if after is None:
                return
            if int(after) + PAGE > SEARCH_CAP:
                break
        if cursor == window:
            log.warning("more than %s HubSpot %s share one moment; stepping past it", SEARCH_CAP, what)
            cursor, seen_at_cursor = cursor + timedelta(milliseconds=1), set()


def associated(
    call: Caller, batch_api, objects: str, to: str, ids: list[str], batch: int = BATCH
) -> dict[str, list[str]]:
    """The `to` records associated with each of `ids` (v4 associations), `batch` ids a request (HubSpot
    takes up to 1,000). An id with more associations than one answer holds is asked again, with others,
    from where its answer stopped. Never a request per id."""
    found: dict[str, list[str]] = {}
    pending = [{"id": object_id} for object_id in ids]
    while pending:
        following = []
        for start in range(0, len(pending), batch):
            body = associations.BatchInputPublicFetchAssociationsBatchRequest(inputs=pending[start : start + batch])
            answer = call(batch_api.get_page, objects, to, batch_input_public_fetch_associations_batch_request=body)
            # a 207 lists the ids with no associations among its errors: nothing to add for them
            for result in answer.results or []:
                source = str(result._from.id)
                found.setdefault(source, []).extend(str(target.to_object_id) for target in result.to or [])
                if (after := next_after(result)) is not None:
                    following.append({"id": source, "after": after})
        pending = following
    return found
