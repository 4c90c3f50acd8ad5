"""The Salesforce stand-in's REST resources: SOQL query and its nextRecordsUrl pages, an object's
describe, getDeleted, sObject Collections (create, update, upsert by an external id; 200 records at
most, allOrNone false answering per record) and the Tooling API's CustomField (our external-id field)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.salesforce_soql import Malformed, parse, rest_record, run, semi_joins, shown

KEY_FIELD = "Pipeline_Coach_Key__c"
WRITABLE = {"Name", "StageName", "Amount", "CloseDate", "OwnerId", "AccountId", "RecordTypeId", KEY_FIELD}
COLLECTION_LIMIT = 200


def _bad(code: str, message: str, status: int = 400):
    return status, [{"message": message, "errorCode": code}], {}


class Rest:
    def _query(self, exchange, **_):
        try:
            query = parse(semi_joins(exchange.query["q"][0], self.tables, self.columns))
            found = run(self.tables, self.columns, query)
        except Malformed as error:
            return _bad("MALFORMED_QUERY", str(error))
        if query.count:
            return 200, {"totalSize": len(found), "done": True, "records": []}, {}
        records = [rest_record(self.tables, query.table, record, query.fields) for record in found]
        self.counter += 1
        cursor = f"01g{self.counter:012d}AAA"
        self.cursors[cursor] = records
        return 200, self._page(cursor, 0), {}

    def _query_more(self, exchange, cursor: str):
        base, _, offset = cursor.rpartition("-")
        if base not in self.cursors or not offset.isdigit():
            return _bad("INVALID_QUERY_LOCATOR", "invalid query locator")
        return 200, self._page(base, int(offset)), {}

    def _page(self, cursor: str, offset: int) -> dict:
        records = self.cursors[cursor]
        end = offset + self.page_size
        page = {"totalSize": len(records), "done": end >= len(records), "records": records[offset:end]}
        if end < len(records):
            page["nextRecordsUrl"] = f"/services/data/v59.0/query/{cursor}-{end}"
        return page

    def _describe(self, exchange, object: str):
        if object not in self.columns:
            return _bad("NOT_FOUND", f"The requested resource does not exist: {object}", 404)
        fields = [{"name": name, "externalId": name == KEY_FIELD, "unique": name == KEY_FIELD,
                   "type": "id" if name == "Id" else "string"} for name in sorted(self.columns[object])]  # fmt: skip
        return 200, {"name": object, "fields": fields}, {}

    def _deleted(self, exchange, object: str):
        try:
            start = datetime.fromisoformat(exchange.query["start"][0])
            end = datetime.fromisoformat(exchange.query["end"][0])
        except (KeyError, ValueError):
            return _bad("INVALID_REPLICATION_DATE", "start and end must be date-times")
        if not start < end or end - start > timedelta(days=30) or object != "Opportunity":
            return _bad("INVALID_REPLICATION_DATE", "the window must be within 30 days")
        gone = [{"id": record_id, "deletedDate": shown(when)} for record_id, when in self.deleted]
        return 200, {"deletedRecords": gone, "earliestDateAvailable": shown(start), "latestDateCovered": shown(end)}, {}

    def _custom_field(self, exchange):
        body = exchange.json() or {}
        if not self.may_customize:
            return _bad("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", 403)
        meta = body.get("Metadata") or {}
        if body.get("FullName") != f"Opportunity.{KEY_FIELD}" or not (meta.get("externalId") and meta.get("unique")):
            return _bad("INVALID_INPUT", "the stand-in makes only our unique external-id field")
        self.columns["Opportunity"].add(KEY_FIELD)
        return 201, {"id": "00N000000000001AAA", "success": True, "errors": [], "warnings": [], "infos": []}, {}

    def _collection_create(self, exchange):
        return self._collection(exchange, "create")

    def _collection_update(self, exchange):
        return self._collection(exchange, "update")

    def _collection_upsert(self, exchange, object: str, field: str):
        if object != "Opportunity" or field not in self.columns["Opportunity"] or field != KEY_FIELD:
            return _bad("INVALID_FIELD", f"No such external id field {field} on {object}")
        return self._collection(exchange, "upsert")

    def _collection(self, exchange, how: str):
        body = exchange.json() or {}
        records = body.get("records") or []
        if not 0 < len(records) <= COLLECTION_LIMIT or body.get("allOrNone") not in (True, False):
            return _bad("INVALID_BATCH_SIZE", "between 1 and 200 records, with allOrNone")
        return 200, [self._write_one(record, how) for record in records], {}

    def _write_one(self, record: dict, how: str) -> dict:
        if (record.get("attributes") or {}).get("type") != "Opportunity":
            return _failed("INVALID_TYPE", "attributes.type must name the sObject")
        values = {key: value for key, value in record.items() if key not in ("attributes", "Id")}
        unknown = sorted(set(values) - WRITABLE) or sorted(set(values) - self.columns["Opportunity"])
        if unknown:
            return _failed("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type Opportunity")
        values = {key: _typed(key, value) for key, value in values.items()}
        existing = None
        if how == "update":
            existing = record.get("Id")
            if existing not in self.tables["Opportunity"]:
                return _failed("ENTITY_IS_DELETED", "entity is deleted")
        elif how == "upsert":
            key = values.get(KEY_FIELD)
            if not key:
                return _failed("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{KEY_FIELD}]")
            existing = next((i for i, r in self.tables["Opportunity"].items() if r.get(KEY_FIELD) == key), None)
        elif values.get(KEY_FIELD) and any(
            r.get(KEY_FIELD) == values[KEY_FIELD] for r in self.tables["Opportunity"].values()
        ):
            return _failed("DUPLICATE_VALUE", "duplicate value found: Pipeline_Coach_Key__c")
        if existing is not None:
            self.update_opportunity(existing, **values)
            return {"id": existing, "success": True, "errors": [], **({"created": False} if how == "upsert" else {})}
        missing = [name for name in ("Name", "StageName", "CloseDate") if not values.get(name)]
        if missing:
            return _failed("REQUIRED_FIELD_MISSING", f"Required fields are missing: {missing}")
        made = self.add_opportunity(**_named(values))
        return {"id": made, "success": True, "errors": [], **({"created": True} if how == "upsert" else {})}


def _typed(name: str, value):
    if name == "CloseDate" and value:
        return date.fromisoformat(value)
    if name == "Amount" and value is not None:
        return float(value)
    return value


def _named(values: dict) -> dict:
    """Collections' field names as add_opportunity's arguments."""
    renamed = {"Name": "name", "StageName": "stage", "OwnerId": "owner", "Amount": "amount", "CloseDate": "close",
               "AccountId": "account"}  # fmt: skip
    return {"owner": None, **{renamed.get(key, key): value for key, value in values.items()}}


def _failed(code: str, message: str) -> dict:
    return {"success": False, "errors": [{"statusCode": code, "message": message, "fields": []}]}
