"""No secret in any log line, at any level: the shapes of every secret the bot handles, one function that
blanks them out of any text, and the filter that runs every record through it (set on the process's
handler by bot/logs.py).

slack_sdk logs request and response bodies at DEBUG (hiding only the Authorization header), so a token
refresh, an install's code exchange or a CRM token call would otherwise print refresh tokens, bot tokens,
codes and client secrets; an exception's text can carry a calendar feed's secret address. The filter sits
on the root logger's handler, so it sees every logger's records (slack_sdk, slack_bolt, urllib3, ours),
and rewrites the message, its arguments, the traceback and the stack before any handler formats them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "[redacted]"

# Keys whose value is a secret, in JSON / dict reprs ("key": "value", 'key': 'value') and in forms and
# query strings (key=value): OAuth tokens and codes (Slack, HubSpot), client, signing and state secrets,
# Socket Mode's connection ticket.
_SECRET_KEYS = (
    r"access_token|refresh_token|bot_token|user_token|app_token|id_token|token|code|client_secret"
    r"|signing_secret|state_secret|secret|password|hapikey|api_key|private_app_token|ticket"
    r"|security_token|session_id|sessionId"
)
_KEY = rf"(?<![\w-])(?:{_SECRET_KEYS})"
# The value may sit in a list, as in a parsed query string: {'code': ['1234.5678']}
_QUOTED_PAIR = re.compile(rf"""(?i)(["']{_KEY}["']\s*:\s*\[?\s*)b?(["'])(?:(?!\2).)*\2""")
_FORM_PAIR = re.compile(rf"""(?i)({_KEY}=)[^&\s'",;)}}\]]+""")

PATTERNS: tuple[re.Pattern[str], ...] = (
    # Slack: bot/user/app/config tokens, rotating tokens (xoxe.xoxb-…) and refresh tokens (xoxe-…)
    re.compile(r"(?<![\w-])xox[a-z](?:\.xox[a-z])?-[\w-]+"),
    re.compile(r"(?<![\w-])xapp-[\w-]+"),
    # HubSpot private app tokens (pat-na1-…)
    re.compile(r"(?<![\w-])pat-[a-z]{2,4}\d?-[\w-]+"),
    # Salesforce session ids and OAuth access tokens (the org's id, "!", the session), and a SOAP login's
    re.compile(r"(?<![\w-])00D[A-Za-z0-9]{12,15}![\w.~+/=-]+"),
    re.compile(r"(?<=<sessionId>)[^<]+"),
    # An Authorization header's credentials, however a library prints it
    re.compile(r"(?i)(?<=\bbearer )[\w.~+/=-]+"),
    re.compile(r"(?i)(?<=authorization)(['\"]?\s*[:=]\s*['\"]?)basic\s+[\w.~+/=-]+"),
    # A password inside a URL (a DATABASE_URL in an error)
    re.compile(r"(?<=://)[^\s/:@'\"]*:[^\s/@'\"]+(?=@)"),
    # A calendar address being connected, whatever its shape: the command's text, and the form's field
    re.compile(r"(calendar\s+connect\s+)(?:<[^>\s]*>|[^\s\"'\\]+)", re.IGNORECASE),
    re.compile(r"""(['"]address['"]\s*:\s*\{\s*['"]value['"]\s*:\s*\{[^{}]*?['"]value['"]\s*:\s*['"])[^'"]*"""),
)

# Calendar feeds: the address is the secret. Any URL or path that is webcal://…, holds /ical/ (Google) or
# /owa/calendar/ (Outlook), or ends in .ics (a query may follow), as one whitespace-delimited word.
_WORD = re.compile(r"""[^\s'"<>\\]+""")
_FEED_HINTS = ("webcal", "/ical/", "/owa/calendar/", ".ics")
_FEED = re.compile(r"(?i)^webcals?://|/ical/|/owa/calendar/|/.*\.ics(?:$|[?#&])")

_known: set[str] = set()  # the configured secrets themselves, masked wherever they appear verbatim
_known_lock = threading.Lock()
_SHORTEST = 6  # shorter "secrets" (a test's placeholder) would blank ordinary words


def add_secrets(values: Iterable[str | None]) -> None:
    """Mask these values verbatim from now on (the settings that are secrets)."""
    with _known_lock:
        _known.update(value for value in values if value and len(value) >= _SHORTEST)


def settings_secrets(settings) -> list[str | None]:
    """The settings that are secrets: tokens, the signing, client and state secrets, the CRM's token, and each
    key of ENCRYPTION_KEY."""
    from bot.sealed import parse_keys

    names = ("slack_bot_token", "slack_app_token", "slack_signing_secret", "slack_client_secret")
    names += ("slack_state_secret", "hubspot_access_token", "salesforce_access_token", "salesforce_password")
    names += ("salesforce_security_token",)
    keys = [key for name in ("encryption_key", "secrets_key") for key in parse_keys(getattr(settings, name, None))]
    return [getattr(settings, name, None) for name in names] + keys


def redact(text: str) -> str:
    """`text` with every secret the bot knows the shape (or the value) of replaced by MASK."""
    if not text:
        return text
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _QUOTED_PAIR.sub(lambda found: f"{found.group(1)}{found.group(2)}{MASK}{found.group(2)}", text)
    text = _FORM_PAIR.sub(lambda found: found.group(1) + MASK, text)
    for pattern in PATTERNS:
        text = pattern.sub(_masked, text)
    if any(hint in text.lower() for hint in _FEED_HINTS):
        text = _WORD.sub(lambda found: MASK if _FEED.search(found.group()) else found.group(), text)
    return text


def _masked(found: re.Match[str]) -> str:
    """The match masked, keeping its first group (the part that says what the secret was) if it has one."""
    return (found.group(1) if found.re.groups else "") + MASK


class RedactingFilter(logging.Filter):
    """Rewrites a record before any handler formats it: the message with its arguments merged in, the
    traceback's text and the stack, each redacted. Never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep its raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_factory_lock = threading.Lock()
_factory_installed = False


def install() -> None:
    """Redact every log record as it is made, whichever handler later takes it (a test's capture, a
    handler a library adds; Socket Mode's client logs each payload it receives at DEBUG, a slash
    command's text included). Idempotent: the app calls it each time it is built."""
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        made = logging.getLogRecordFactory()

        def redacted(*args, **kwargs) -> logging.LogRecord:
            record = made(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is the logging module's to report
                return record
            safe = redact(message)
            if safe != message:
                record.msg, record.args = safe, None
            return record

        logging.setLogRecordFactory(redacted)
        _factory_installed = True
