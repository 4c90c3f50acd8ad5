"""Calendar feeds by subscription address (Google's and Outlook's secret iCal links, any ICS feed): check
an address and read it (conditionally, bounded in time and size); bot/integrations/calendar_ics.py parses
what it returns into CapturedMeeting records.

It only reads: which meetings count and where they go is decided by bot/rules/capture.py. The address is
a secret: it never reaches a log, an exception's text or a reply whole (`mask`, `FeedError`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

SOURCE = "calendar"
USER_AGENT = "PipelineCoach-calendar/1"


NOT_AN_ADDRESS = "That doesn't look like a calendar address: paste the one that starts with https:// or webcal://."


class BadAddress(ValueError):
    """An address that is not a calendar feed we may read; the text says what to paste instead."""


class FeedError(Exception):
    """Reading or parsing a feed failed; the text is ours and never contains the address."""


def normalise_address(raw: str, allow_private: bool = False) -> str:
    """The https address to read (webcal:// becomes https://), or BadAddress saying why not."""
    address = (raw or "").strip().strip("<>").split("|", 1)[0]  # Slack may send a link as <url|label>
    if address.lower().startswith("webcal://"):
        address = "https://" + address[len("webcal://") :]
    schemes = ("https", "http") if allow_private else ("https",)
    try:
        parts = urlsplit(address)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a malformed host or port
        parts, port = None, 0
    if parts is None or parts.scheme.lower() not in schemes or not parts.hostname:
        raise BadAddress(NOT_AN_ADDRESS)
    if parts.username or parts.password:
        raise BadAddress("Paste the calendar's secret address itself, without a user name or password in it.")
    check_host(parts.hostname, port, allow_private)
    return address


def check_host(host: str, port: int, allow_private: bool) -> None:
    """Refuse hosts that resolve to this machine or a private network (unless allowed)."""
    if allow_private:
        return
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise BadAddress("I couldn't find that calendar's server: check the address and paste it again.") from None
    for *_, sockaddr in found:
        ip = ipaddress.ip_address(sockaddr[0])
        if not ip.is_global:
            raise BadAddress("That address points inside a private network, which I can't read. Paste the public link.")


def mask(address: str) -> str:
    """What may be shown of an address: its host and an ellipsis."""
    return f"{urlsplit(address).hostname or 'calendar'}…"


def feed_key(address: str) -> str:
    """A stable, non-secret name for a feed (its captured meetings' keys start with it)."""
    return hashlib.sha256(address.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FeedRead:
    """One read: the body (None when unchanged, a 304), the validators for the next conditional read."""

    body: bytes | None
    etag: str | None
    last_modified: str | None
    status: int


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            normalise_address(newurl, self.allow_private)
        except BadAddress:
            raise FeedError("the calendar server redirected somewhere I may not read") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(
    address: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10,
    max_bytes: int = 20_000_000,
    allow_private: bool = False,
) -> FeedRead:
    """Read the feed once, conditionally when validators are known. FeedError on any failure."""
    parts = urlsplit(address)
    try:
        check_host(parts.hostname or "", parts.port or 443, allow_private)
    except BadAddress:
        raise FeedError("the calendar's server cannot be reached or is not public") from None
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    deadline = time.monotonic() + timeout
    try:
        with opener.open(urllib.request.Request(address, headers=headers), timeout=timeout) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError("the calendar is larger than CALENDAR_MAX_FEED_MB allows")
            body = _read_bounded(answer, max_bytes, deadline)
            return FeedRead(body, answer.headers.get("ETag"), answer.headers.get("Last-Modified"), answer.status)
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return FeedRead(
                None, error.headers.get("ETag") or etag, error.headers.get("Last-Modified") or last_modified, 304
            )
        raise FeedError(f"the calendar server answered {error.code}") from None
    except TimeoutError:
        raise FeedError("the calendar server did not answer in time") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            raise FeedError("the calendar server did not answer in time") from None
        raise FeedError("the calendar server could not be reached") from None
    except (OSError, ValueError):
        raise FeedError("the calendar server could not be read") from None


def _read_bounded(answer, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while chunk := answer.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FeedError("the calendar is larger than CALENDAR_MAX_FEED_MB allows")
        if time.monotonic() > deadline:
            raise FeedError("the calendar server did not answer in time")
        chunks.append(chunk)
    return b"".join(chunks)
