"""HubSpot as a CRM provider, through HubSpot's official client (`hubspot-api-client`), never raw HTTP.

Every call goes through `_call`, which first takes its turn from `pace` (a token bucket per portal that
every thread and process shares, bot/services/crm_pace.py), so HubSpot's published limits are kept before
any 429: a private app may make 100 requests per 10 seconds, and the search endpoint 5 a second. A 429
anyway waits for the Retry-After HubSpot sends (bounded), 5xx and dropped connections are retried with a
short, bounded backoff (never for a create, whose first try may have landed: it is looked up by our deal
key instead), and 401/403 become one `BadToken` the sync reports once.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta

import hubspot
from hubspot.crm import deals as deals_api
from hubspot.crm import owners as owners_api
from hubspot.crm import pipelines as pipelines_api
from hubspot.crm import properties as properties_api
from urllib3.exceptions import HTTPError as TransportError
from urllib3.util.retry import Retry

from bot.integrations.base import (
    BadToken,
    Conflict,
    CrmDeal,
    CrmError,
    CrmOwner,
    CrmStage,
    DealWrite,
    NotFound,
    WriteResult,
)
from bot.integrations.hubspot_records import KEY_PROPERTY, deal_of, ms, next_after, number, when

log = logging.getLogger("pipeline_coach.hubspot")

PROPERTIES = [
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
    "hs_merged_object_ids",
    # A deal property of ours, unique in the portal, holding our deal's key: a create whose answer was
    # lost is found again by it (HubSpot refuses a second deal with the same value), never by name.
    KEY_PROPERTY,
]
# HubSpot's published limits, kept with room to spare: at most 10 + 8 x 10 = 90 requests in any 10 s
# (the limit is 100) and 1 + 2 = 3 searches in any second (the limit is 5). A search spends from both.
# The room covers a request that reaches HubSpot up to a second after it took its token.
REQUESTS = ("requests", 8.0, 10.0)  # (bucket, tokens a second, capacity)
SEARCHES = ("searches", 2.0, 1.0)
SEARCH_LAG = timedelta(minutes=5)  # HubSpot's search shows a change seconds after it is made: look back this far
PAGE = 200  # the search endpoint's largest page
SEARCH_CAP = 10_000  # HubSpot's search returns at most this many results for one query
MAX_TRIES = 4
LONGEST_WAIT = 30.0
API_ERRORS = (
    deals_api.ApiException,
    owners_api.ApiException,
    pipelines_api.ApiException,
    properties_api.ApiException,
)
TIMEOUT = (5, 30)
# urllib3 retries only failed connections; status codes (429 included) are ours to handle, in _call.
_CONNECT_ONLY = Retry(total=2, connect=2, read=0, status=0, redirect=0, respect_retry_after_header=False)


Pace = Callable[[tuple[tuple[str, float, float], ...]], None]


class HubSpotProvider:
    name = "hubspot"
    search_lag = SEARCH_LAG

    def __init__(
        self,
        access_token: str,
        pipeline: str,
        host: str | None = None,
        sleep: Callable[[float], None] = clock.sleep,
        pace: Pace | None = None,
    ) -> None:
        """`pace(buckets)` returns when a request may go (None: unpaced, for one-off scripts only)."""
        options = {"access_token": access_token, "retry": _CONNECT_ONLY}
        if host:
            options["host"] = host.rstrip("/")
        client = hubspot.Client.create(**options)
        # Each property of the client's discovery tree builds a fresh API client: keep one of each.
        self._search = client.crm.deals.search_api
        self._basic = client.crm.deals.basic_api
        self._batch = client.crm.deals.batch_api
        self._owners = client.crm.owners.owners_api
        self._pipelines = client.crm.pipelines.pipelines_api
        self._properties_api = client.crm.properties.core_api
        self._pipeline = pipeline or "default"
        self._pipeline_found = None
        self._sleep = sleep
        self._pace = pace or (lambda buckets: None)
        self.requests = 0

    # --- reading ---

    def owners(self) -> list[CrmOwner]:
        found, after = [], None
        while True:
            page = self._call(self._owners.get_page, limit=100, after=after, archived=False)
            for owner in page.results:
                name = " ".join(part for part in (owner.first_name, owner.last_name) if part) or owner.email or owner.id
                found.append(CrmOwner(str(owner.id), owner.email or None, name))
            after = next_after(page)
            if after is None:
                return found

    def stages(self) -> list[CrmStage]:
        pipeline = self._followed_pipeline()
        stages = []
        for stage in sorted(pipeline.stages, key=lambda one: one.display_order):
            meta = stage.metadata or {}
            closed = str(meta.get("isClosed", "false")).lower() == "true"
            probability = number(meta.get("probability"))
            won = closed and probability is not None and probability >= 1.0
            lost = closed and probability is not None and probability <= 0.0
            stages.append(CrmStage(stage.id, stage.label, stage.display_order, closed, won, lost))
        return stages

    def changed_deals(self, since: datetime | None) -> Iterator[CrmDeal]:
        """Search on hs_lastmodifieddate, oldest first, in pages of 200; past HubSpot's 10,000-result cap
        the search starts again from the last modification seen, skipping what was already yielded."""
        cursor, seen_at_cursor = since, set()
        pipeline_id = self._followed_pipeline().id
        while True:
            window, after = cursor, None  # one query's filter stays fixed while its pages are read
            while True:
                filters = [{"propertyName": "pipeline", "operator": "EQ", "value": pipeline_id}]
                if window is not None:
                    filters.append({"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": ms(window)})
                request = deals_api.PublicObjectSearchRequest(
                    filter_groups=[{"filters": filters}],
                    sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
                    properties=PROPERTIES,
                    limit=PAGE,
                    after=after,
                )
                page = self._call(self._search.do_search, public_object_search_request=request)
                for item in page.results:
                    deal = deal_of(item)
                    if deal.modified_at == cursor and deal.id in seen_at_cursor:
                        continue
                    if deal.modified_at != cursor:
                        cursor, seen_at_cursor = deal.modified_at, set()
                    seen_at_cursor.add(deal.id)
                    yield deal
                after = next_after(page)
                if after is None:
                    return
                if int(after) + PAGE > SEARCH_CAP:
                    break
            if cursor == window:  # a whole window of deals modified in one millisecond: step past it
                log.warning("more than %s HubSpot deals share one modification time; stepping past it", SEARCH_CAP)
                cursor, seen_at_cursor = cursor + timedelta(milliseconds=1), set()

    def removed_deal_ids(self) -> set[str]:
        gone, after = set(), None
        while True:
            page = self._call(self._basic.get_page, limit=100, after=after, archived=True, properties=["hs_object_id"])
            gone.update(str(item.id) for item in page.results)
            after = next_after(page)
            if after is None:
                return gone

    def read_deals(self, ids: list[str]) -> dict[str, CrmDeal]:
        found: dict[str, CrmDeal] = {}
        for start in range(0, len(ids), 100):
            request = deals_api.BatchReadInputSimplePublicObjectId(
                inputs=[{"id": one} for one in ids[start : start + 100]],
                properties=PROPERTIES,
                properties_with_history=[],
            )
            answer = self._call(self._batch.read, batch_read_input_simple_public_object_id=request)
            found.update((str(item.id), deal_of(item)) for item in answer.results)
        return found

    def pipeline_id(self) -> str:
        return self._followed_pipeline().id

    def find_by_key(self, key: str) -> WriteResult | None:
        """Our deal by its key (a read, not a search: never behind the writes)."""
        try:
            found = self._call(self._basic.get_by_id, key, properties=["hs_lastmodifieddate"], id_property=KEY_PROPERTY)
        except NotFound:
            return None
        return WriteResult(str(found.id), when(found.properties.get("hs_lastmodifieddate")) or found.updated_at)

    def ensure_key_property(self) -> None:
        """Create our unique deal-key property unless the portal has it (needs crm.schemas.deals.write)."""
        try:
            self._call(self._properties_api.get_by_name, "deals", KEY_PROPERTY)
            return
        except NotFound:
            pass
        made = properties_api.PropertyCreate(
            name=KEY_PROPERTY,
            label="Pipeline Coach key",
            description="Set by Pipeline Coach on the deals it creates, so each is created once.",
            type="string",
            field_type="text",
            group_name="dealinformation",
            has_unique_value=True,
            hidden=True,
        )
        try:
            self._call(self._properties_api.create, "deals", made)
        except Conflict:
            return  # another process made it first

    # --- writing ---

    def create_deal(self, write: DealWrite) -> WriteResult:
        """One deal for `write.key`: if HubSpot already holds that key (our earlier try landed), that deal."""
        properties = {**self._properties(write), KEY_PROPERTY: write.key or ""}
        body = deals_api.SimplePublicObjectInputForCreate(properties=properties, associations=[])
        try:
            made = self._call(self._basic.create, simple_public_object_input_for_create=body, retry_errors=False)
        except Conflict:
            found = self.find_by_key(write.key or "")
            if found is None:
                raise CrmError("HubSpot refused the deal as a duplicate but holds none with its key") from None
            return found
        return WriteResult(str(made.id), when(made.properties.get("hs_lastmodifieddate")) or made.updated_at)

    def update_deal(self, deal_id: str, write: DealWrite) -> WriteResult:
        body = deals_api.SimplePublicObjectInput(properties=self._properties(write))
        done = self._call(self._basic.update, deal_id, simple_public_object_input=body)
        return WriteResult(str(done.id), when(done.properties.get("hs_lastmodifieddate")) or done.updated_at)

    def _properties(self, write: DealWrite) -> dict[str, str]:
        values = {"dealname": write.name, "dealstage": write.stage_id, "pipeline": self._followed_pipeline().id}
        values["amount"] = "" if write.amount is None else str(write.amount)
        values["closedate"] = "" if write.close_date is None else ms(datetime.combine(write.close_date, time(), UTC))
        if write.owner_id:
            values["hubspot_owner_id"] = write.owner_id
        return values

    # --- plumbing ---

    def _followed_pipeline(self):
        """HUBSPOT_PIPELINE by id or label (one request per provider: a provider lives for one sync run)."""
        if self._pipeline_found is None:
            for pipeline in self._call(self._pipelines.get_all, "deals").results:
                if (
                    self._pipeline in (pipeline.id, pipeline.label)
                    or pipeline.label.casefold() == self._pipeline.casefold()
                ):
                    self._pipeline_found = pipeline
                    break
            else:
                raise CrmError(f"HubSpot has no deals pipeline {self._pipeline!r}: check HUBSPOT_PIPELINE")
        return self._pipeline_found

    def _call(self, method, *args, retry_errors: bool = True, **kwargs):
        buckets = (REQUESTS, SEARCHES) if method == self._search.do_search else (REQUESTS,)
        for attempt in range(1, MAX_TRIES + 1):
            self._pace(buckets)
            self.requests += 1
            try:
                return method(*args, _request_timeout=TIMEOUT, **kwargs)
            except API_ERRORS as error:
                status = error.status or 0
                if status in (401, 403):
                    what = "is not valid or has expired" if status == 401 else "lacks a scope (see the README)"
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
                if retry_errors and attempt < MAX_TRIES:
                    self._sleep(0.2 * 2 ** (attempt - 1))
                    continue
                raise CrmError(f"HubSpot could not be reached: {error.__class__.__name__}") from None
        raise CrmError("HubSpot kept answering 429 (rate limited)")
