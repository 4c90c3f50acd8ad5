"""Making text safe: what a person typed is cleaned on the way in and escaped on the way out to Slack."""

from __future__ import annotations

import re


def escape(text: str | None) -> str:
    """Make user-typed text inert in Slack: no @channel, no user pings, no fake links."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None) -> str:
    """Drop control characters (NUL among them, which PostgreSQL cannot store) from anything typed."""
    return _CONTROL.sub("", text or "")


def clip(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, marking the cut, so Block Kit limits always hold."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
