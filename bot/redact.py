"""Secrets never reach a log, at any level: every log record is masked as it is made, whichever library
made it (Socket Mode's client logs each payload it receives at DEBUG, a slash command's text included).

What is masked: the address after `calendar connect`, the calendar form's address field, and any
`webcal://` address. The record keeps its logger, level and place; only the secret becomes "[hidden]".
"""

from __future__ import annotations

import logging
import re
import threading

HIDDEN = "[hidden]"
_PATTERNS = (
    re.compile(r"(calendar\s+connect\s+)(?:<[^>\s]*>|[^\s\"'\\]+)", re.IGNORECASE),
    re.compile(r"""(['"]address['"]\s*:\s*\{\s*['"]value['"]\s*:\s*\{[^{}]*?['"]value['"]\s*:\s*['"])[^'"]*"""),
    re.compile(r"(webcal://)[^\s\"'<>|\\]+", re.IGNORECASE),
)
_CLUES = ("calendar", "address", "webcal")
_installed = threading.Lock()
_factory = None


def mask(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda found: found.group(1) + HIDDEN, text)
    return text


def install() -> None:
    """Mask every log record from now on (idempotent: the app calls it each time it is built)."""
    global _factory
    with _installed:
        if _factory is not None:
            return
        made = logging.getLogRecordFactory()

        def masked(*args, **kwargs) -> logging.LogRecord:
            record = made(*args, **kwargs)
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record is the logging module's to report
                return record
            if any(clue in message.lower() for clue in _CLUES):
                safe = mask(message)
                if safe != message:
                    record.msg, record.args = safe, None
            return record

        _factory = masked
        logging.setLogRecordFactory(masked)
