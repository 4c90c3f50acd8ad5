"""Salesforce's answers read into plain records, and the SOQL the provider sends (values quoted one way).

Salesforce gives date-times as `2026-12-06T10:15:00.000+0000` in REST and with a `Z` in Bulk API 2.0's
CSV, where every value is text and an empty cell is null; relationship fields come nested in REST
({"Account": {"Name": ...}}) and as dotted columns ("Account.Name") in CSV. Both read into one CrmDeal.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from bot.integrations.base import Conflict, CrmDeal, CrmError, CrmStage, DealWrite, NotFound, WriteResult

KEY_FIELD = "Pipeline_Coach_Key__c"  # our deal's key, an external id unique in the org (salesforce.py says why)
FIELDS = (
    "Id", "Name", "StageName", "Amount", "CloseDate", "OwnerId", "Account.Name", "IsClosed", "IsWon",
    "Probability", "CreatedDate", "SystemModstamp",
)  # fmt: skip
NO_CLOSE_DATE = timedelta(days=30)  # Salesforce requires a close date: a deal opened without one gets this


def soql_text(value: str) -> str:
    """A SOQL string literal: quotes and backslashes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def soql_time(moment: datetime) -> str:
    """A SOQL date-time literal (unquoted, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_ids(ids: list[str]) -> str:
    return "(" + ", ".join(soql_text(one) for one in ids) + ")"


def when(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
        text = text[:-2] + ":" + text[-2:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def field(record: dict, path: str):
    """A (possibly dotted) field of a REST record or a CSV row; None when absent or empty."""
    if path in record:
        value = record[path]
        return None if value == "" else value
    head, _, rest = path.partition(".")
    nested = record.get(head)
    return field(nested, rest) if rest and isinstance(nested, dict) else None


def flag(value) -> bool:
    return value is True or str(value).lower() == "true"


def deal_of(record: dict, key_field: str | None, record_type_field: str | None) -> CrmDeal:
    amount = field(record, "Amount")
    modified = when(field(record, "SystemModstamp"))
    return CrmDeal(
        id=str(record["Id"]),
        name=field(record, "Name"),
        amount=None if amount is None else str(amount),
        stage_id=field(record, "StageName"),
        pipeline_id=(field(record, record_type_field) or "") if record_type_field else "",
        owner_id=field(record, "OwnerId"),
        close_date=day(field(record, "CloseDate")),
        created_at=when(field(record, "CreatedDate")) or modified,
        modified_at=modified,
        key=field(record, key_field) if key_field else None,
    )


def stage_of(record: dict) -> CrmStage:
    """An OpportunityStage by its flags: IsClosed and IsWon say won or lost, never the label."""
    closed, won = flag(record.get("IsClosed")), flag(record.get("IsWon"))
    percent = record.get("DefaultProbability")
    return CrmStage(
        id=record["ApiName"], label=record.get("MasterLabel") or record["ApiName"],
        order=int(record.get("SortOrder") or 0), closed=closed, won=closed and won, lost=closed and not won,
        probability=float(percent) / 100 if percent not in (None, "") else None,
    )  # fmt: skip


def csv_rows(text: str) -> list[dict]:
    """One page of a Bulk API 2.0 query's results (CSV, a header line first)."""
    return list(csv.DictReader(io.StringIO(text)))


def refusal(answer: dict) -> CrmError:
    """A record sObject Collections refused, as the error the sender handles (a duplicate key, a gone deal)."""
    codes = [error.get("statusCode", "") for error in answer.get("errors") or []]
    if "DUPLICATE_VALUE" in codes:
        return Conflict("Salesforce already holds an Opportunity with that key")
    if {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"} & set(codes):
        return NotFound("the Opportunity is gone from Salesforce")
    return CrmError(f"Salesforce refused the Opportunity ({', '.join(codes) or 'no reason given'})")


def only(answers: list[WriteResult | CrmError]) -> WriteResult:
    """The one deal's answer of a batch of one (its error raised)."""
    [answer] = answers
    if isinstance(answer, CrmError):
        raise answer
    return answer


def opportunity_values(write: DealWrite, create: bool, today: date, record_type_id: str | None) -> dict:
    """The Opportunity fields a create or an update of our deal sends (a create always has a close date)."""
    values = {"Name": write.name, "StageName": write.stage_id, "Amount": write.amount}
    if write.close_date is not None:
        values["CloseDate"] = write.close_date.isoformat()
    elif create:
        values["CloseDate"] = (today + NO_CLOSE_DATE).isoformat()
    if write.owner_id:
        values["OwnerId"] = write.owner_id
    if create and record_type_id:
        values["RecordTypeId"] = record_type_id
    return values


def sent_values_match(write: DealWrite) -> str:
    """Every value a create sent, as a SOQL condition (Name, stage, amount, close date, owner)."""
    parts = [f"Name = {soql_text(write.name)}", f"StageName = {soql_text(write.stage_id)}",
             f"Amount = {'null' if write.amount is None else write.amount}"]  # fmt: skip
    if write.close_date is not None:
        parts.append(f"CloseDate = {write.close_date.isoformat()}")
    if write.owner_id:
        parts.append(f"OwnerId = {soql_text(write.owner_id)}")
    return " AND ".join(parts)
