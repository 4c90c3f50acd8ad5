"""Public holidays: which days a calendar ("GB", or a country with its region such as "GB-SCT", "US-CA",
"DE-BY") keeps free, from the `holidays` package. Pure and offline: the package ships its rules. The one
"is this a working day" rule that uses it is bot/rules/timing.py's is_working_day."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import holidays

CALENDAR_EXAMPLE = "a country code such as GB, US or DE, with its region if it has its own days: GB-SCT, US-CA, DE-BY"
CLEARED = ("none", "off", "no", "-")


def read_calendar(text: str | None) -> str | None:
    """A typed calendar ("gb", "GB-SCT", "us ca", "none") as its code ("GB", "GB-SCT") or None; a ValueError
    that says what to type when the country or its region is not one the package knows."""
    typed = (text or "").strip()
    if not typed or typed.lower() in CLEARED:
        return None
    parts = [part for part in re.split(r"[\s\-/_.]+", typed.upper()) if part]
    supported = holidays.list_supported_countries()
    if len(parts) > 2 or parts[0] not in supported:
        raise ValueError(f"I don't know public holidays for “{typed[:20]}”. Type {CALENDAR_EXAMPLE} (or none).")
    country, regions = parts[0], supported[parts[0]]
    if len(parts) == 1:
        return country
    if parts[1] not in regions:
        listed = ", ".join(regions[:12]) + (", …" if len(regions) > 12 else "")
        if not regions:
            raise ValueError(f"{country} has no regions with days of their own: type just {country}.")
        raise ValueError(f"{country} has no region “{parts[1][:10]}”: type {country} alone or one of {listed}.")
    return f"{country}-{parts[1]}"


@lru_cache(maxsize=256)
def _calendar(code: str, year: int) -> holidays.HolidayBase:
    country, _, region = code.partition("-")
    return holidays.country_holidays(country, subdiv=region or None, years=year)


def holiday_name(day: date, code: str | None) -> str | None:
    """The public holiday `day` is under calendar `code` (None: no calendar, or a working day)."""
    if not code:
        return None
    try:
        return _calendar(code, day.year).get(day)
    except NotImplementedError:  # a stored code the installed package no longer knows: no holidays
        return None
