"""HubSpot as a CRM provider, through HubSpot's official client (`hubspot-api-client`), never raw HTTP.

Every call goes through one `Caller` (bot/integrations/hubspot_client.py), paced by the portal's shared
token bucket, with its handling of 429s, 5xx, 409s and refused tokens. A create is never retried (its
first try may have landed): it is looked up by our deal key instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from hubspot.crm import companies as companies_api
from hubspot.crm import contacts as contacts_api
from hubspot.crm import deals as deals_api
from hubspot.crm import properties as properties_api

from bot.integrations.base import Conflict, CrmDeal, CrmError, CrmOwner, CrmStage, DealWrite, NotFound, WriteResult
from bot.integrations.hubspot_client import BATCH, PAGE, Reader, associated, search_pages
from bot.integrations.hubspot_records import KEY_PROPERTY, deal_of, ms, next_after, number, when

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
SEARCH_LAG = timedelta(minutes=5)  # HubSpot's search shows a change seconds after it is made: look back this far
SCOPES = "deals, owners, pipelines, deal properties, contacts or companies: see docs/admins/crm.md"


class HubSpotProvider(Reader):
    name = "hubspot"
    search_lag = SEARCH_LAG
    scopes = SCOPES

    def __init__(self, access_token: str, pipeline: str, host: str | None = None, **pacing) -> None:
        """`pacing`: Reader's `sleep` and `pace`."""
        super().__init__(access_token, host, **pacing)
        self._pipeline = pipeline or "default"
        self._pipeline_found = None

    def _take_apis(self, client) -> None:
        self._search = client.crm.deals.search_api
        self._basic = client.crm.deals.basic_api
        self._batch = client.crm.deals.batch_api
        self._owners = client.crm.owners.owners_api
        self._pipelines = client.crm.pipelines.pipelines_api
        self._properties_api = client.crm.properties.core_api
        self._associations = client.crm.associations.v4.batch_api
        self._contacts = client.crm.contacts.batch_api
        self._companies = client.crm.companies.batch_api

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
            stages.append(CrmStage(stage.id, stage.label, stage.display_order, closed, won, lost, probability))
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
            self._call, self._search.do_search, request, lambda item: deal_of(item).modified_at, since, "deals"
        ):
            yield from map(deal_of, page)

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

    def deal_contacts(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The email addresses of the contacts associated with each deal (lower-cased; a contact without an
        email is left out): one associations read per page of deals and one batch read per 100 contacts."""
        emails = self._associated_property(deal_ids, "contacts", contacts_api, self._contacts, "email")
        return {deal: tuple(value for value in values if "@" in value) for deal, values in emails.items()}

    def deal_domains(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The `domain` of the companies associated with each deal (lower-cased, as HubSpot holds it; a
        company without one is left out): one associations read per page of deals, one batch read per 100."""
        return self._associated_property(deal_ids, "companies", companies_api, self._companies, "domain")

    def _associated_property(self, deal_ids: list[str], to: str, package, batch_api, name: str):
        """{deal: the non-empty values of `name` on its associated `to` records}, batched as above."""
        links = associated(self._call, self._associations, "deals", to, deal_ids, batch=PAGE)
        wanted = sorted({one for found in links.values() for one in found}, key=int)
        values: dict[str, str] = {}
        for start in range(0, len(wanted), BATCH):
            request = package.BatchReadInputSimplePublicObjectId(
                inputs=[{"id": one} for one in wanted[start : start + BATCH]], properties=[name],
                properties_with_history=[],
            )  # fmt: skip
            answer = self._call(batch_api.read, batch_read_input_simple_public_object_id=request)
            for item in answer.results:
                if value := ((item.properties or {}).get(name) or "").strip().lower():
                    values[str(item.id)] = value
        return {deal: tuple(sorted({values[one] for one in found if one in values})) for deal, found in links.items()}

    def pipeline_id(self) -> str:
        return self._followed_pipeline().id

    def find_by_key(self, key: str, write: DealWrite | None = None) -> WriteResult | None:
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
