"""Small formatters shared by every message: escaping, money, ordinals, dates and ages."""

from __future__ import annotations

import re
from datetime import date, datetime


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


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def money(amount: int | None, symbol: str = "$") -> str:
    if amount is None:
        return "no amount"
    return f"{symbol}{amount:,}"


def day_label(day: date | None, today: date) -> str:
    """'Tue 15 Dec', with the year only when it is not this year."""
    if day is None:
        return "no close date"
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def age(since: datetime, now: datetime) -> str:
    days = max(0, (now - since).days)
    if days == 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
