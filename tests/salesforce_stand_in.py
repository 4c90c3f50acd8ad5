"""A local stand-in for the parts of Salesforce the product uses, so tests never reach Salesforce.

It keeps Opportunities, Users, OpportunityStages, Accounts, Contacts, contact roles and record types in
memory, on its own record clock (`at`, moved by `advance`), and answers over HTTPS the calls
simple-salesforce makes: SOQL queries with nextRecordsUrl paging (tests/salesforce_soql.py), describe,
getDeleted, sObject Collections and the Tooling API's CustomField (tests/salesforce_rest.py), Bulk API
2.0 query jobs with Sforce-Locator paging (tests/salesforce_bulk.py), and the OAuth web server flow's
authorize page, token endpoint and revoke (tests/salesforce_oauth.py). Every API answer carries
`Sforce-Limit-Info: api-usage=used/max`; past the allowance it answers 403 REQUEST_LIMIT_EXCEEDED, an
expired session 401 INVALID_SESSION_ID. Failures are queued per route (optionally after the write was
applied: an answer lost). Every request must match one of ROUTES with the headers and parameters
simple-salesforce (or the product's OAuth calls) sends (`drift` lists any that does not; the fixture requires
none), so no test can lean on a call the client would not make.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

from bot.sandbox.served import Served
from tests.salesforce_bulk import BulkJobs
from tests.salesforce_http import Exchange, https_server
from tests.salesforce_oauth import AUTHORIZE_PARAMS, FORM, OAuthServer
from tests.salesforce_rest import KEY_FIELD, Rest

API = "/services/data/v59.0"
TOKEN = "00D000000000001!stand-in-session-1"
REST_HEADERS = {"authorization", "content-type", "x-prettyprint"}
# (method, path pattern, handler, the simple-salesforce call that builds it, parameters it sends)
ROUTES = [
    ("GET", rf"{API}/query/?", "query", "Salesforce.query", {"q"}),
    ("GET", rf"{API}/query/(?P<cursor>[\w-]+)", "query_more", "Salesforce.query_more(url, True)", set()),
    ("GET", rf"{API}/sobjects/(?P<object>\w+)/describe", "describe", "SFType.describe", set()),
    ("GET", rf"{API}/sobjects/(?P<object>\w+)/deleted/", "deleted", "SFType.deleted", {"start", "end"}),
    ("POST", rf"{API}/tooling/sobjects/CustomField/", "custom_field", "Salesforce.toolingexecute", set()),
    ("POST", rf"{API}/composite/sobjects", "collection_create", "Salesforce.restful", set()),
    ("PATCH", rf"{API}/composite/sobjects", "collection_update", "Salesforce.restful", set()),
    ("PATCH", rf"{API}/composite/sobjects/(?P<object>\w+)/(?P<field>\w+)", "collection_upsert", "Salesforce.restful",
     set()),
    ("POST", rf"{API}/jobs/query", "bulk_create", "SFBulk2Type.query: create_job", set()),
    ("GET", rf"{API}/jobs/query/(?P<job>\w+)", "bulk_job", "SFBulk2Type.query: wait_for_job", set()),
    ("GET", rf"{API}/jobs/query/(?P<job>\w+)/results", "bulk_results", "SFBulk2Type.query: get_query_results",
     {"maxRecords", "locator"}),
    ("GET", r"/services/oauth2/authorize", "authorize", "the admin's browser (oauth.authorize_url)", AUTHORIZE_PARAMS),
    ("POST", r"/services/oauth2/token", "token", "oauth.form_token_call, salesforce_client.token_refresh", set()),
    ("POST", r"/services/oauth2/revoke", "revoke", "oauth.revoke", set()),
]  # fmt: skip
PREFIXES = {"Opportunity": "006", "User": "005", "Account": "001", "Contact": "003", "OpportunityContactRole": "00K",
            "RecordType": "012", "OpportunityStage": "01J", "Event": "00U", "Task": "00T"}  # fmt: skip
COLUMNS = {
    "Opportunity": {"Id", "Name", "StageName", "Amount", "CloseDate", "OwnerId", "AccountId", "IsClosed", "IsWon",
                    "Probability", "CreatedDate", "SystemModstamp", "RecordTypeId"},
    "User": {"Id", "Name", "Email", "UserType", "IsActive"},
    "Account": {"Id", "Name", "Website"},
    "Contact": {"Id", "Email"},
    "OpportunityContactRole": {"Id", "OpportunityId", "ContactId"},
    "RecordType": {"Id", "DeveloperName", "SobjectType", "IsActive"},
    "OpportunityStage": {"Id", "ApiName", "MasterLabel", "SortOrder", "IsClosed", "IsWon", "DefaultProbability",
                         "IsActive"},
    "Event": {"Id", "Subject", "StartDateTime", "EndDateTime", "IsAllDayEvent", "OwnerId", "WhatId", "WhoId"},
    "Task": {"Id", "Subject", "TaskSubtype", "Status", "CompletedDateTime", "CallDurationInSeconds", "OwnerId",
             "WhatId", "WhoId"},
}  # fmt: skip
STAGES = [  # (api name, label, closed, won, probability): labels that say nothing of the flags, on purpose
    ("Prospecting", "Prospecting", False, False, 10.0),
    ("Qualification", "Qualification", False, False, 20.0),
    ("Proposal/Price Quote", "Proposal/Price Quote", False, False, 75.0),
    ("Signed", "Signed", True, True, 100.0),
    ("Closed Won", "Closed Won", True, False, 0.0),  # a lost stage someone named badly
]


OAUTH = {"authorize", "token", "revoke"}  # a login host's, answered without a session


class SalesforceStandIn(Served, Rest, BulkJobs, OAuthServer):
    scheme = "https"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        server, self.certificate = https_server(self)
        self.serve(server)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.tables: dict[str, dict[str, dict]] = {name: {} for name in COLUMNS}
            self.columns = {name: set(fields) for name, fields in COLUMNS.items()}
            self.deleted: list[tuple[str, datetime]] = []
            self.exchanges: list[Exchange] = []
            self.drift: list[str] = []
            self.failures: dict[str, list[tuple[int, str, bool]]] = {}
            self.tokens, self.issued = {TOKEN}, 1
            self.api_used, self.api_max = 0, 100_000
            self.over_limit = 0  # requests answered REQUEST_LIMIT_EXCEEDED
            self.may_customize = True  # the user may create our external-id field
            self.at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
            self.counter, self.cursors, self.page_size = 0, {}, 2000
            self.jobs, self.bulk_page_cap = {}, 8000
            self.reset_oauth()
            for order, (api, label, closed, won, probability) in enumerate(STAGES, 1):
                self.add("OpportunityStage", ApiName=api, MasterLabel=label, SortOrder=order, IsClosed=closed,
                         IsWon=won, DefaultProbability=probability, IsActive=True)  # fmt: skip

    # --- the org's records ---

    def add(self, table: str, **values) -> str:
        with self._lock:
            self.counter += 1
            record_id = f"{PREFIXES[table]}{self.counter:012d}AAA"
            self.tables[table][record_id] = {"Id": record_id, **values}
            return record_id

    def tick(self) -> datetime:
        """The record clock's next moment (a millisecond apart, so every write has its own)."""
        self.at += timedelta(milliseconds=1)
        return self.at

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.at += delta

    def add_user(self, email: str, name: str) -> str:
        return self.add("User", Email=email, Name=name, UserType="Standard", IsActive=True)

    def add_opportunity(self, name: str | None, stage: str, owner: str | None, amount: float | None = None,
                        close: date | None = None, account: str | None = None, **extra) -> str:  # fmt: skip
        with self._lock:
            moment = self.tick()
            values = {"Name": name, "StageName": stage, "OwnerId": owner, "Amount": amount, "CloseDate": close,
                      "AccountId": account, "CreatedDate": moment, "SystemModstamp": moment, "RecordTypeId": None,
                      **extra}  # fmt: skip
            return self.add("Opportunity", **self._flags(values))

    def update_opportunity(self, record_id: str, **values) -> None:
        with self._lock:
            record = self.tables["Opportunity"][record_id]
            record.update(values, SystemModstamp=self.tick())
            record.update(self._flags(record))

    def delete_opportunity(self, record_id: str) -> None:
        with self._lock:
            del self.tables["Opportunity"][record_id]
            self.deleted.append((record_id, self.tick()))

    def add_contact_role(self, opportunity: str, email: str) -> None:
        contact = self.add("Contact", Email=email)
        self.add("OpportunityContactRole", OpportunityId=opportunity, ContactId=contact)

    def add_event(self, owner: str, start: datetime, end: datetime, subject: str, what: str | None = None,
                  who: str | None = None, all_day: bool = False) -> str:  # fmt: skip
        return self.add("Event", OwnerId=owner, StartDateTime=start, EndDateTime=end, Subject=subject, WhatId=what,
                        WhoId=who, IsAllDayEvent=all_day)  # fmt: skip

    def add_call(self, owner: str, completed: datetime, seconds: int, subject: str, what: str | None = None,
                 who: str | None = None, status: str = "Completed") -> str:  # fmt: skip
        return self.add("Task", OwnerId=owner, CompletedDateTime=completed, CallDurationInSeconds=seconds,
                        Subject=subject, WhatId=what, WhoId=who, TaskSubtype="Call", Status=status)  # fmt: skip

    def add_key_field(self) -> None:
        with self._lock:
            self.columns["Opportunity"].add(KEY_FIELD)

    def _flags(self, values: dict) -> dict:
        stage = next((s for s in self.tables["OpportunityStage"].values() if s["ApiName"] == values["StageName"]), None)
        closed, won = (stage["IsClosed"], stage["IsWon"]) if stage else (False, False)
        return {**values, "IsClosed": closed, "IsWon": won,
                "Probability": stage["DefaultProbability"] if stage else None}  # fmt: skip

    def opportunities(self) -> list[dict]:
        with self._lock:
            return [dict(record) for record in self.tables["Opportunity"].values()]

    # --- sessions, limits, failures ---

    def expire_sessions(self) -> None:
        """Every access token issued so far stops working (a refresh gets a new one)."""
        with self._lock:
            self.tokens = set()

    def fail_next(self, handler: str, status: int, code: str, after_apply: bool = False) -> None:
        """The next request to `handler` answers `status` with `code` (after doing its work, if `after_apply`)."""
        with self._lock:
            self.failures.setdefault(handler, []).append((status, code, after_apply))

    def requests_to(self, handler: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.route == handler]

    # --- the HTTP side ---

    def answer(self, exchange: Exchange):
        with self._lock:
            self.exchanges.append(exchange)
            for method, pattern, handler, _, params in ROUTES:
                match = re.fullmatch(pattern, exchange.path)
                if method == exchange.method and match:
                    exchange.route = handler
                    self._check_shape(exchange, handler, params)
                    return self._answer(exchange, handler, match.groupdict())
            self.drift.append(f"no route for {exchange.method} {exchange.path}")
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}

    def _check_shape(self, exchange: Exchange, handler: str, params: set[str]) -> None:
        if set(exchange.query) - params:
            self.drift.append(f"{handler}: unexpected parameters {sorted(set(exchange.query) - params)}")
        if handler in ("token", "revoke") and not exchange.headers.get("content-type", "").startswith(FORM):
            self.drift.append(f"{handler}: OAuth's endpoints take a form ({FORM})")
        if handler not in OAUTH and not set(exchange.headers) >= REST_HEADERS:
            self.drift.append(f"{handler}: missing headers {sorted(REST_HEADERS - set(exchange.headers))}")
        if handler in ("bulk_create", "bulk_results") and not exchange.headers.get("accept", "").startswith("text/csv"):
            self.drift.append(f"{handler}: the client asks for CSV (Accept: text/csv)")

    def _answer(self, exchange: Exchange, handler: str, found: dict):
        if handler in OAUTH:
            return getattr(self, "_" + handler)(exchange)
        self._count_api_request()
        bearer = exchange.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        if self.api_used >= self.api_max:
            self.over_limit += 1
            return 403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], {}
        self.api_used += 1
        limits = {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_max}"}
        failure = self.failures.get(handler, [None]).pop(0) if self.failures.get(handler) else None
        if failure and not failure[2]:
            return failure[0], [{"message": "failed on purpose", "errorCode": failure[1]}], limits
        status, body, extra = getattr(self, "_" + handler)(exchange, **found)
        if failure:
            return failure[0], [{"message": "failed after applying", "errorCode": failure[1]}], limits
        return status, body, {**limits, **extra}
