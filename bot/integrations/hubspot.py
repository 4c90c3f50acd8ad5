"""HubSpot as a CRM provider, through HubSpot's official client (`hubspot-api-client`), never raw HTTP.

Every call goes through `_call`: a 429 waits for the Retry-After HubSpot sends (bounded), 5xx and
dropped connections are retried with a short, bounded backoff (never for a create, whose first try may
have landed: the outbox looks for it instead), and 401/403 become one `BadToken` the sync reports once.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time

from hubspot.crm import deals as deals_api

from bot.integrations.base import CrmDeal, CrmError, CrmOwner, CrmStage, DealWrite, WriteResult
from bot.integrations.hubspot_client import PAGE, Caller, connect, search_pages
from bot.integrations.hubspot_records import ms, next_after, number, when

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
]


class HubSpotProvider:
    name = "hubspot"

    def __init__(
        self, access_token: str, pipeline: str, host: str | None = None, sleep: Callable[[float], None] = clock.sleep
    ) -> None:
        client = connect(access_token, host)
        # Each property of the client's discovery tree builds a fresh API client: keep one of each.
        self._search = client.crm.deals.search_api
        self._basic = client.crm.deals.basic_api
        self._batch = client.crm.deals.batch_api
        self._owners = client.crm.owners.owners_api
        self._pipelines = client.crm.pipelines.pipelines_api
        self._pipeline = pipeline or "default"
        self._pipeline_found = None
        self._call = Caller("deals, owners, pipelines", sleep)

    @property
    def requests(self) -> int:
        return self._call.requests

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
        pipeline_id = self._followed_pipeline().id

        def request(window: datetime | None, after: str | None):
            filters = [{"propertyName": "pipeline", "operator": "EQ", "value": pipeline_id}]
            if window is not None:
                filters.append({"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": ms(window)})
            return deals_api.PublicObjectSearchRequest(
                filter_groups=[{"filters": filters}],
                sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
                properties=PROPERTIES,
                limit=PAGE,
                after=after,
            )

        for page in search_pages(
            self._call, self._search.do_search, request, lambda item: _deal(item).modified_at, since, "deals"
        ):
            yield from map(_deal, page)

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
            found.update((str(item.id), _deal(item)) for item in answer.results)
        return found

    def find_created(self, write: DealWrite, since: datetime) -> WriteResult | None:
        filters = [
            {"propertyName": "dealname", "operator": "EQ", "value": write.name},
            {"propertyName": "pipeline", "operator": "EQ", "value": self._followed_pipeline().id},
            {"propertyName": "createdate", "operator": "GTE", "value": ms(since)},
        ]
        request = deals_api.PublicObjectSearchRequest(
            filter_groups=[{"filters": filters}], properties=["dealname", "hs_lastmodifieddate"], limit=1
        )
        page = self._call(self._search.do_search, public_object_search_request=request)
        if not page.results:
            return None
        found = _deal(page.results[0])
        return WriteResult(found.id, found.modified_at)

    # --- writing ---

    def create_deal(self, write: DealWrite) -> WriteResult:
        body = deals_api.SimplePublicObjectInputForCreate(properties=self._properties(write), associations=[])
        made = self._call(self._basic.create, simple_public_object_input_for_create=body, retry_errors=False)
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


def _day(value: str | None) -> date | None:
    moment = when(value)
    return moment.date() if moment else None


def _deal(item) -> CrmDeal:
    props = item.properties or {}
    merged = tuple(part for part in (props.get("hs_merged_object_ids") or "").split(";") if part.strip())
    return CrmDeal(
        id=str(item.id),
        name=props.get("dealname"),
        amount=props.get("amount"),
        stage_id=props.get("dealstage"),
        pipeline_id=props.get("pipeline"),
        owner_id=props.get("hubspot_owner_id") or None,
        close_date=_day(props.get("closedate")),
        created_at=when(props.get("createdate")) or item.created_at,
        modified_at=when(props.get("hs_lastmodifieddate")) or item.updated_at,
        merged_ids=merged,
    )
