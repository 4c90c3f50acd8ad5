"""HubSpot's answers read into plain values: paging, times (milliseconds or ISO) and numbers."""

from __future__ import annotations

from datetime import UTC, datetime


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
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
