"""What every HubSpot reader shares: one official client, one way to call it, HubSpot's value formats.

A 429 waits for the Retry-After HubSpot sends (bounded), 5xx and dropped connections are retried with a
short, bounded backoff (never for a create, whose first try may have landed), and 401/403 become one
`BadToken` naming the setting, never the token.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from datetime import UTC, datetime

import hubspot
from hubspot.crm import deals, owners, pipelines
from hubspot.crm.associations import v4 as associations
from hubspot.crm.objects import calls, meetings
from urllib3.exceptions import HTTPError as TransportError
from urllib3.util.retry import Retry

from bot.integrations.base import BadToken, CrmError, NotFound

MAX_TRIES = 4
LONGEST_WAIT = 30.0
TIMEOUT = (5, 30)
# Each package of the client raises its own ApiException class.
API_ERRORS = tuple(package.ApiException for package in (deals, owners, pipelines, meetings, calls, associations))
# urllib3 retries only failed connections; status codes (429 included) are ours to handle, in Caller.
_CONNECT_ONLY = Retry(total=2, connect=2, read=0, status=0, redirect=0, respect_retry_after_header=False)


def connect(access_token: str, host: str | None = None) -> hubspot.Client:
    options = {"access_token": access_token, "retry": _CONNECT_ONLY}
    if host:
        options["host"] = host.rstrip("/")
    return hubspot.Client.create(**options)


class Caller:
    """Makes one client call with HubSpot's limits honoured; counts every request it sends."""

    def __init__(self, scopes: str, sleep: Callable[[float], None] = clock.sleep) -> None:
        self._scopes = scopes
        self._sleep = sleep
        self.requests = 0

    def __call__(self, method, *args, retry_errors: bool = True, **kwargs):
        for attempt in range(1, MAX_TRIES + 1):
            self.requests += 1
            try:
                return method(*args, _request_timeout=TIMEOUT, **kwargs)
            except API_ERRORS as error:
                status = error.status or 0
                if status in (401, 403):
                    what = "is not valid or has expired" if status == 401 else f"lacks a scope ({self._scopes})"
                    raise BadToken(f"HubSpot refused HUBSPOT_ACCESS_TOKEN: it {what}") from None
                if status == 404:
                    raise NotFound(f"HubSpot has no such record ({status})") from None
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


def next_after(page) -> str | None:
    paging = getattr(page, "paging", None)
    return paging.next.after if paging is not None and paging.next is not None else None


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def when(value: str | None) -> datetime | None:
    """A HubSpot date-time property (ISO 8601 or epoch milliseconds) as an aware UTC datetime."""
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
