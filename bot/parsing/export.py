"""The export grammar: `/opportunity export [opportunities|activities|all] [since] [team]`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.parsing import ParseError

_RELATIVE = re.compile(r"^(\d{1,4})([dwm])$")


@dataclass(frozen=True)
class ExportRequest:
    kinds: tuple[str, ...]
    since: date | None
    whole_team: bool


def parse_export(text: str, today: date) -> ExportRequest:
    """`[opportunities|activities|all] [since] [team]`, in any order: `all 30d team`, `activities 2026-10-01`."""
    kinds: tuple[str, ...] = ("opportunities", "activities")
    since: date | None = None
    whole_team = False
    for word in text.lower().split():
        if word in ("opportunities", "opportunity", "opps", "deals"):
            kinds = ("opportunities",)
        elif word in ("activities", "activity", "time"):
            kinds = ("activities",)
        elif word == "all":
            kinds = ("opportunities", "activities")
        elif word == "team":
            whole_team = True
        else:
            since = parse_since(word, today)
    return ExportRequest(kinds, since, whole_team)


def parse_since(word: str, today: date) -> date:
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = count * {"d": 1, "w": 7, "m": 30}[unit]
        return today - timedelta(days=min(days, 36500))
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise ParseError(
            "I can export `opportunities`, `activities` or `all`, since a date like `2026-10-01` or `30d`, "
            "e.g. `/opportunity export all 90d`."
        ) from None
    if day > today:
        raise ParseError("That date is in the future; pick a start date up to today.")
    return day
