"""How the Salesforce provider talks to an org: simple-salesforce's client, one way to call it.

A connection is an instance URL and an access token, with an optional `refresh` that returns a fresh
pair (a password login again, or an OAuth refresh token): a settings install and a workspace connected by
OAuth build the same client. Every request first asks `pace` whether it may go (the bot's share of the
org's daily API allowance, bot/services/salesforce_pace.py), and every answer's `Sforce-Limit-Info`
header (api-usage=used/max) is handed back to it, whichever part of the client made the request (REST,
sObject, Bulk API 2.0). An expired session (401 INVALID_SESSION_ID) is refreshed once and the call made
again; REQUEST_LIMIT_EXCEEDED stops the run with one line; 5xx and dropped connections are retried with a
short backoff (never a write, whose first try may have landed); a 401 after a refresh, or a 403, is a
`BadToken` naming what to fix, never the token.
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from bot.integrations.base import BadToken, Conflict, CrmError, NotFound

log = logging.getLogger("pipeline_coach.salesforce")

API_VERSION = "59.0"
MAX_TRIES = 4
TIMEOUT = (5, 60)


@dataclass(frozen=True)
class Session:
    """Where an org answers and the token it takes (a secret: never logged)."""

    instance_url: str
    access_token: str

    def __repr__(self) -> str:
        return f"Session({self.instance_url!r}, access_token=[redacted])"


Refresh = Callable[[], Session]


class Pace(Protocol):
    def take(self) -> None:
        """Return once one more request is within the bot's share of the org's allowance (or raise CrmError)."""

    def note(self, used: int, allowed: int) -> None:
        """Salesforce's own reading of the org's use over the last 24 hours."""


class Unpaced:
    """For one-off scripts only: no budget."""

    def take(self) -> None:
        return None

    def note(self, used: int, allowed: int) -> None:
        return None


def password_login(username: str, password: str, security_token: str, domain: str = "login") -> Refresh:
    """A session from an integration user's login (simple-salesforce's SOAP login), again on each refresh."""

    def login() -> Session:
        try:
            session_id, instance = SalesforceLogin(
                username=username, password=password, security_token=security_token, domain=domain,
                sf_version=API_VERSION,
            )  # fmt: skip
        except SalesforceError:
            raise BadToken(
                "Salesforce refused the login: check SALESFORCE_USERNAME, SALESFORCE_PASSWORD and "
                "SALESFORCE_SECURITY_TOKEN (and SALESFORCE_DOMAIN: login or test)"
            ) from None
        return Session(f"https://{instance}", session_id)

    return login


def token_refresh(token_url: str, client_id: str, client_secret: str, refresh_token: str) -> Refresh:
    """A session from an OAuth refresh token (a connected app's web server flow): the token endpoint's
    standard refresh_token grant, which simple-salesforce does not make itself."""

    def refresh() -> Session:
        form = {"grant_type": "refresh_token", "client_id": client_id, "client_secret": client_secret,
                "refresh_token": refresh_token}  # fmt: skip
        try:
            answer = requests.post(token_url, data=form, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise CrmError(f"Salesforce's token endpoint could not be reached: {error.__class__.__name__}") from None
        if answer.status_code != 200:
            raise BadToken("Salesforce refused the connection's refresh token: connect Salesforce again") from None
        body = answer.json()
        return Session(body["instance_url"], body["access_token"])

    return refresh


class PacedSession(requests.Session):
    """The HTTP session under the client: every request to the org's API (REST, sObject, Bulk API 2.0,
    Tooling) waits for `pace`, gets a timeout, is counted, and hands back the answer's limit reading."""

    def __init__(self, pace: Pace) -> None:
        super().__init__()
        self.pace, self.requests = pace, 0

    def request(self, method, url, *args, **kwargs):
        counted = "/services/data/" in url
        if counted:
            self.pace.take()
            self.requests += 1
        kwargs.setdefault("timeout", TIMEOUT)
        response = super().request(method, url, *args, **kwargs)
        reading = Salesforce.parse_api_usage(response.headers.get("Sforce-Limit-Info") or "")
        if counted and (usage := reading.get("api-usage")):
            self.pace.note(usage.used, usage.total)
        return response


class Caller:
    """Makes one client call within the org's allowance; refreshes an expired session once; counts requests."""

    def __init__(
        self, session: Session | None, refresh: Refresh | None = None, pace: Pace | None = None,
        sleep: Callable[[float], None] = clock.sleep,
    ) -> None:  # fmt: skip
        self._refresh, self._sleep = refresh, sleep
        self._http = PacedSession(pace or Unpaced())
        # no session yet (a login to make): the first call makes it, where its errors are the run's
        self.client = self._connect(session) if session is not None else None

    @property
    def requests(self) -> int:
        return self._http.requests

    def _connect(self, session: Session) -> Salesforce:
        return Salesforce(
            instance_url=session.instance_url, session_id=session.access_token, version=API_VERSION,
            session=self._http,
        )  # fmt: skip

    def __call__(self, method: Callable[[Salesforce], object], *, write: bool = False):
        """`method(client)`, made within the allowance; a write is never retried after it may have landed."""
        refreshed = False
        for attempt in range(1, MAX_TRIES + 1):
            try:
                if self.client is None:
                    self.client, refreshed = self._connect(self._refresh()), True
                return method(self.client)
            except SalesforceExpiredSession:
                if refreshed and (rejected := getattr(self._refresh, "rejected", None)):
                    rejected()  # a workspace's connection: a session fresh from a refresh refused too ends it
                if refreshed or self._refresh is None:
                    raise BadToken(
                        "Salesforce refused the session: it has expired or was revoked (connect Salesforce again, "
                        "or set a fresh SALESFORCE_ACCESS_TOKEN)"
                    ) from None
                log.info("Salesforce session expired; refreshing it once")
                self.client, refreshed = self._connect(self._refresh()), True
            except SalesforceError as error:
                code = error_code(error)
                if code == "REQUEST_LIMIT_EXCEEDED":
                    raise CrmError("Salesforce's daily API allowance is used up (REQUEST_LIMIT_EXCEEDED)") from None
                if error.status == 403:
                    raise BadToken(
                        f"Salesforce refused the request ({code or 403}): the user lacks a permission"
                    ) from None
                if error.status == 404:
                    raise NotFound(f"Salesforce has no such record ({code or 404})") from None
                if code == "DUPLICATE_VALUE":
                    raise Conflict("Salesforce already holds a record with that unique value") from None
                if error.status >= 500 and not write and attempt < MAX_TRIES:
                    self._sleep(0.2 * 2 ** (attempt - 1))
                    continue
                raise CrmError(f"Salesforce answered {error.status} {code}".strip()) from None
            except (requests.ConnectionError, requests.Timeout) as error:
                if not write and attempt < MAX_TRIES:
                    self._sleep(0.2 * 2 ** (attempt - 1))
                    continue
                raise CrmError(f"Salesforce could not be reached: {error.__class__.__name__}") from None
        raise CrmError("Salesforce kept failing")


def error_code(error: SalesforceError) -> str:
    """The errorCode of Salesforce's answer ([{"errorCode": ..., "message": ...}]), or ''."""
    content = error.content
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or "")
    if isinstance(content, dict):
        return str(content.get("errorCode") or content.get("error") or "")
    return ""
