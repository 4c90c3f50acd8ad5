"""Salesforce as a CRM provider, through simple-salesforce (never hand-written REST).

Deals are Opportunities (of one record type when SALESFORCE_RECORD_TYPE is set); stages are the org's
active OpportunityStages, won or lost by their IsClosed and IsWon flags; owners are Users, matched to
Slack by email. Changes are read by SystemModstamp, oldest first, through SOQL pages (nextRecordsUrl);
a first import over `bulk_over` records goes through one Bulk API 2.0 query job instead; deletions come
from the getDeleted call. Writes go through sObject Collections. A create carries our deal's key in an
external-id field (created through the Tooling API on connect when the user may), so it is an upsert by
that key: a create whose answer was lost, sent again, finds the same Opportunity. An org where the field
could not be made is written without it, and a lost create is found by every value it sent and a
creation after it was queued, never by name alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from bot.integrations.base import (
    BadToken,
    CrmDeal,
    CrmError,
    CrmOwner,
    CrmStage,
    DealWrite,
    WriteResult,
)
from bot.integrations.salesforce_client import Caller, Pace, Refresh, Session
from bot.integrations.salesforce_records import (
    FIELDS,
    KEY_FIELD,
    csv_rows,
    deal_of,
    field,
    only,
    opportunity_values,
    refusal,
    sent_values_match,
    soql_ids,
    soql_text,
    soql_time,
    stage_of,
    when,
)

log = logging.getLogger("pipeline_coach.salesforce")

SEARCH_LAG = timedelta(minutes=5)  # SystemModstamp can trail a commit that was under way: look back this far
BULK_OVER = 2_000  # a first import larger than one SOQL page goes through Bulk API 2.0
BULK_PAGE = 50_000  # records per Bulk API 2.0 results page
IDS = 200  # ids per `IN (...)` query, and records per sObject Collections request
DELETED_DAYS = 29  # getDeleted reaches back at most 30 days


class SalesforceProvider:
    name = "salesforce"
    search_lag = SEARCH_LAG

    def __init__(
        self, session: Session | None, *, refresh: Refresh | None = None, record_type: str | None = None,
        pace: Pace | None = None, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC), bulk_over: int = BULK_OVER,
        bulk_wait: float = 2.0,
    ) -> None:  # fmt: skip
        self._call = Caller(session, refresh, pace, sleep)
        self._record_type, self._clock = record_type, clock
        self._bulk_over, self._bulk_wait = bulk_over, bulk_wait
        self._fields: set[str] | None = None
        self._record_type_id: str | None = None
        self._stages: list[CrmStage] | None = None

    @property
    def requests(self) -> int:
        return self._call.requests

    @property
    def holds_key(self) -> bool:
        """Whether the org has our external-id field (else a lost create is found by its values)."""
        return self._has_key()

    # --- reading ---

    def owners(self) -> list[CrmOwner]:
        """The users who own opportunities of the followed record type, in one query (a semi-join): an org's
        other users are never looked up in Slack."""
        users = self._query(
            f"SELECT Id, Name, Email FROM User WHERE Id IN (SELECT OwnerId FROM Opportunity{self._followed()}) "
            "ORDER BY Id"
        )
        return [CrmOwner(user["Id"], (user.get("Email") or "").lower() or None, user.get("Name") or user["Id"])
                for user in users]  # fmt: skip

    def stages(self) -> list[CrmStage]:
        if self._stages is None:
            found = self._query(
                "SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon, DefaultProbability FROM OpportunityStage "
                "WHERE IsActive = true ORDER BY SortOrder"
            )
            self._stages = [stage_of(record) for record in found]
        return self._stages

    def pipeline_id(self) -> str:
        return self._followed_record_type() or ""

    def changed_deals(self, since: datetime | None) -> Iterator[CrmDeal]:
        where = self._followed()
        if since is None:
            count = self._call(lambda sf: sf.query(f"SELECT COUNT() FROM Opportunity{where}"))["totalSize"]
            if count > self._bulk_over:
                yield from self._bulk(f"SELECT {self._select()} FROM Opportunity{where}")
                return
        else:
            where += (" AND " if where else " WHERE ") + f"SystemModstamp >= {soql_time(since)}"
        soql = f"SELECT {self._select()} FROM Opportunity{where} ORDER BY SystemModstamp ASC, Id ASC"
        for record in self._query(soql):
            yield self._deal(record)

    def removed_deal_ids(self) -> set[str]:
        """Opportunities deleted in the last 29 days (getDeleted); the sync keeps those it knows."""
        end = self._clock().astimezone(UTC).replace(microsecond=0)
        answer = self._call(lambda sf: sf.Opportunity.deleted(end - timedelta(days=DELETED_DAYS), end))
        return {str(record["id"]) for record in answer.get("deletedRecords") or []}

    def read_deals(self, ids: list[str]) -> dict[str, CrmDeal]:
        found = {}
        for start in range(0, len(ids), IDS):
            soql = f"SELECT {self._select()} FROM Opportunity WHERE Id IN {soql_ids(ids[start : start + IDS])}"
            found.update((record["Id"], self._deal(record)) for record in self._query(soql))
        return found

    def deal_contacts(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The email addresses of each Opportunity's contact roles (lower-cased): one SOQL per 200 deals."""
        emails: dict[str, set[str]] = {deal: set() for deal in deal_ids}
        for start in range(0, len(deal_ids), IDS):
            soql = ("SELECT OpportunityId, Contact.Email FROM OpportunityContactRole WHERE OpportunityId IN "
                    + soql_ids(deal_ids[start : start + IDS]))  # fmt: skip
            for role in self._query(soql):
                if "@" in (email := (field(role, "Contact.Email") or "").strip().lower()):
                    emails[role["OpportunityId"]].add(email)
        return {deal: tuple(sorted(found)) for deal, found in emails.items()}

    def deal_domains(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """Each Opportunity's account's website (lower-cased; the capture reads its domain)."""
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(deal_ids), IDS):
            soql = f"SELECT Id, Account.Website FROM Opportunity WHERE Id IN {soql_ids(deal_ids[start : start + IDS])}"
            for record in self._query(soql):
                website = (field(record, "Account.Website") or "").strip().lower()
                found[record["Id"]] = (website,) if website else ()
        return found

    # --- our key ---

    def ensure_key_property(self) -> None:
        """Create our external-id field unless the org has it (needs Customize Application); an org where it
        cannot be made is written without it (see the module's docstring)."""
        if KEY_FIELD in self._describe():
            return
        metadata = {
            "label": "Pipeline Coach key", "type": "Text", "length": 80, "externalId": True, "unique": True,
            "caseSensitive": True, "description": "Set by Pipeline Coach on the Opportunities it creates.",
        }  # fmt: skip
        body = {"FullName": f"Opportunity.{KEY_FIELD}", "Metadata": metadata}
        try:
            self._call(lambda sf: sf.toolingexecute("sobjects/CustomField/", method="POST", data=body), write=True)
        except (BadToken, CrmError) as error:
            log.warning("could not create Opportunity.%s (%s); creates are found by their values instead", KEY_FIELD,
                        error)  # fmt: skip
            return
        self._fields = None  # read the fields again: the new one shows once the user may see it

    def find_by_key(self, key: str, write: DealWrite | None = None) -> WriteResult | None:
        if self._has_key():
            found = self._query(f"SELECT Id, SystemModstamp FROM Opportunity WHERE {KEY_FIELD} = {soql_text(key)}")
        elif write is not None and write.queued_at is not None:
            found = self._query(
                f"SELECT Id, SystemModstamp FROM Opportunity WHERE {sent_values_match(write)} "
                f"AND CreatedDate >= {soql_time(write.queued_at - SEARCH_LAG)} ORDER BY CreatedDate ASC, Id ASC"
            )
        else:
            return None
        return WriteResult(found[0]["Id"], when(found[0]["SystemModstamp"])) if found else None

    # --- writing ---

    def create_deal(self, write: DealWrite) -> WriteResult:
        """Upsert by our key through sObject Collections (a second create of the key finds the first deal)."""
        return only(self.write_batch([write], [])[0])

    def update_deal(self, deal_id: str, write: DealWrite) -> WriteResult:
        return only(self.write_batch([], [(deal_id, write)])[1])

    def write_batch(
        self, creates: list[DealWrite], updates: list[tuple[str, DealWrite]]
    ) -> tuple[list[WriteResult | CrmError], list[WriteResult | CrmError]]:
        """Creates (upserts by our key) and updates through sObject Collections, 200 records a request, then
        their SystemModstamps in one SOQL per 200: each deal's answer, or the error Salesforce gave for it."""
        made = [{**self._values(write, True), "attributes": {"type": "Opportunity"}} for write in creates]
        if self._has_key():
            for record, write in zip(made, creates, strict=True):
                record[KEY_FIELD] = write.key or ""
            create_path, create_method = f"composite/sobjects/Opportunity/{KEY_FIELD}", "PATCH"
        else:
            create_path, create_method = "composite/sobjects", "POST"
        changed = [{**self._values(write, False), "Id": deal_id, "attributes": {"type": "Opportunity"}}
                   for deal_id, write in updates]  # fmt: skip
        answers = (
            self._collection(create_path, create_method, made),
            self._collection("composite/sobjects", "PATCH", changed),
        )
        ids = [answer for found in answers for answer in found if isinstance(answer, str)]
        stamps: dict[str, datetime | None] = {}
        for start in range(0, len(ids), IDS):
            soql = f"SELECT Id, SystemModstamp FROM Opportunity WHERE Id IN {soql_ids(ids[start : start + IDS])}"
            stamps.update((record["Id"], when(record["SystemModstamp"])) for record in self._query(soql))
        return tuple(  # type: ignore[return-value]
            [WriteResult(one, stamps.get(one) or self._clock()) if isinstance(one, str) else one for one in found]
            for found in answers
        )

    def _collection(self, path: str, method: str, records: list[dict]) -> list[str | CrmError]:
        """Each record's new or written id, or its error, through one request per 200 records."""
        found: list[str | CrmError] = []
        for start in range(0, len(records), IDS):
            body = {"allOrNone": False, "records": records[start : start + IDS]}
            answers = self._call(lambda sf, body=body: sf.restful(path, method=method, json=body), write=True)
            found.extend(answer["id"] if answer.get("success") else refusal(answer) for answer in answers)
        return found

    def _values(self, write: DealWrite, create: bool) -> dict:
        record_type = self._followed_record_type() if create else None
        return opportunity_values(write, create, self._clock().date(), record_type)

    # --- plumbing ---

    def records(self, soql: str) -> list[dict]:
        """Every record of a SOQL query, paced and refreshed as the provider's own reads (Events, Tasks)."""
        return self._query(soql)

    def _query(self, soql: str) -> list[dict]:
        """Every record of a SOQL query: its first page, then each nextRecordsUrl, one paced call each."""
        page = self._call(lambda sf: sf.query(soql))
        records = list(page["records"])
        while not page["done"]:
            page = self._call(lambda sf, following=page["nextRecordsUrl"]: sf.query_more(following, True))
            records.extend(page["records"])
        return records

    def _bulk(self, soql: str) -> Iterator[CrmDeal]:
        """One Bulk API 2.0 query job (create, poll, results pages by Sforce-Locator), oldest change first
        (Bulk API 2.0 takes no ORDER BY)."""
        pages = self._call(lambda sf: list(sf.bulk2.Opportunity.query(soql, max_records=BULK_PAGE,
                                                                      wait=self._bulk_wait)))  # fmt: skip
        deals = [self._deal(row) for page in pages for row in csv_rows(page)]
        yield from sorted(deals, key=lambda deal: (deal.modified_at, deal.id))

    def _deal(self, record: dict) -> CrmDeal:
        return deal_of(record, KEY_FIELD if self._has_key() else None, "RecordTypeId" if self._record_type else None)

    def _describe(self) -> set[str]:
        if self._fields is None:
            described = self._call(lambda sf: sf.Opportunity.describe())
            self._fields = {one["name"] for one in described["fields"] if one["name"] != KEY_FIELD
                            or (one.get("externalId") and one.get("unique"))}  # fmt: skip
        return self._fields

    def _has_key(self) -> bool:
        return KEY_FIELD in self._describe()

    def _select(self) -> str:
        extra = ([KEY_FIELD] if self._has_key() else []) + (["RecordTypeId"] if self._record_type else [])
        return ", ".join((*FIELDS, *extra))

    def _followed(self) -> str:
        record_type = self._followed_record_type()
        return f" WHERE RecordTypeId = {soql_text(record_type)}" if record_type else ""

    def _followed_record_type(self) -> str | None:
        """SALESFORCE_RECORD_TYPE by id or developer name (one SOQL per provider: it lives for one run)."""
        if self._record_type and self._record_type_id is None:
            found = self._query(
                "SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = 'Opportunity' AND IsActive = true"
            )
            for record in found:
                if self._record_type in (record["Id"], record["Id"][:15], record["DeveloperName"]):
                    self._record_type_id = record["Id"]
                    break
            else:
                raise CrmError(f"Salesforce has no Opportunity record type {self._record_type!r}: check "
                               "SALESFORCE_RECORD_TYPE")  # fmt: skip
        return self._record_type_id
