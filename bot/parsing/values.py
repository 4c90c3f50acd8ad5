"""The words every grammar shares: amounts, durations, prospecting kinds and counts (dates: bot/parsing/dates.py)."""

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.parsing import ParseError, normalize, unreadable

MAX_AMOUNT = 10_000_000_000
MAX_ENTRY_MINUTES = 16 * 60
MAX_COUNT = 500


# --- Amounts -------------------------------------------------------------------------------------

_DECIMAL = r"(?:\d+(?:\.\d+)?|\.\d+)"
_AMOUNT_RE = re.compile(
    rf"(?P<sign>[-+]?)[$€£]?(?P<number>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|{_DECIMAL})(?P<suffix>[km]?)",
    re.ASCII | re.IGNORECASE,
)
_AMOUNT_EXAMPLES = "48000, 48k, $48,000 or 1.2m"
_MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000}


def looks_like_amount(token: str) -> bool:
    """Spot the money word in a quick entry; a sign is allowed so "-5k" gets a clear error later."""
    return _AMOUNT_RE.fullmatch(token) is not None


def parse_amount(text: str) -> int:
    """Read a deal size in whole currency units, half rounding up; any currency symbol is dropped."""
    found = _AMOUNT_RE.fullmatch(text.strip())
    if found is None:
        raise unreadable(text, "an amount", _AMOUNT_EXAMPLES)
    value = Decimal(found["number"].replace(",", "")) * _MULTIPLIERS[found["suffix"].lower()]
    if found["sign"] == "-" and value:
        raise ParseError("Amounts can't be negative. Type the deal size as a positive number, like 48k.")
    value = value.to_integral_value(ROUND_HALF_UP)
    if value > MAX_AMOUNT:
        raise ParseError(
            f"That's more than 10 billion, which looks like a typo. Try an amount like {_AMOUNT_EXAMPLES}."
        )
    return int(value)


# --- Durations -----------------------------------------------------------------------------------

_DURATION_RE = re.compile(
    rf"(?P<sign>[-+]?)(?:(?P<hours>{_DECIMAL}) ?(?:hours?|hrs?|h))?"
    rf" ?(?:(?P<minutes>{_DECIMAL}) ?(?:minutes?|mins?|m))?",
    re.ASCII,
)
_CLOCK_RE = re.compile(r"(?P<sign>[-+]?)(?P<hours>\d+):(?P<minutes>[0-5]\d)", re.ASCII)


def _match_duration(phrase: str) -> re.Match[str] | None:
    found = _CLOCK_RE.fullmatch(phrase) or _DURATION_RE.fullmatch(phrase)
    return found if found and (found["hours"] or found["minutes"]) else None


def looks_like_duration(token: str) -> bool:
    """Spot the time word in a quick entry: it needs a unit (90m, 1.5h, 1h30m) or a clock form (1:30)."""
    return _match_duration(token.lower()) is not None


def parse_duration(text: str) -> int:
    """Read time spent as whole minutes (half rounds up); one entry is capped so a typo can't skew reports."""
    found = _match_duration(normalize(text))
    if found is None:
        raise unreadable(text, "a time", "90m, 1.5h, 1h30m or 1:30")
    if found["sign"] == "-":
        raise ParseError("Time can't be negative. Type how long it took, like 45m or 1.5h.")
    minutes = Decimal(found["hours"] or 0) * 60 + Decimal(found["minutes"] or 0)
    minutes = minutes.to_integral_value(ROUND_HALF_UP)
    if minutes == 0:
        raise ParseError("That's no time at all. Log at least a minute, like 15m or 1h.")
    if minutes > MAX_ENTRY_MINUTES:
        raise ParseError(
            f"That's more than a day's work in one entry — log at most {MAX_ENTRY_MINUTES // 60}h at a time."
        )
    return int(minutes)


# --- Prospecting kinds and counts ----------------------------------------------------------------

_KIND_SYNONYMS = {
    "calls": ("call", "calls", "dial", "dials", "phone", "phones", "cold call", "cold calls"),
    "emails": ("email", "emails", "mail", "mails", "e-mail", "e-mails", "inmail", "inmails"),
    "meetings": (
        "meeting", "meetings", "meeting booked", "meetings booked",
        "demo", "demos", "appointment", "appointments",
    ),
    "social": ("social", "linkedin", "twitter", "x", "post", "posts", "dm", "dms"),
    "referrals": ("referral", "referrals", "intro", "intros", "introduction", "introductions"),
    "events": (
        "event", "events", "webinar", "webinars", "conference", "conferences", "trade show", "trade shows",
    ),
    "other": ("other", "misc"),
}  # fmt: skip
PROSPECTING_KINDS = tuple(_KIND_SYNONYMS)
_KIND_BY_WORD = {word: kind for kind, words in _KIND_SYNONYMS.items() for word in words}
_COUNT_RE = re.compile(r"[-+]?\d+", re.ASCII)


def parse_prospecting_kind(text: str) -> str | None:
    """Map what a rep calls an activity ("dials", "LinkedIn", "demo") to one of PROSPECTING_KINDS."""
    return _KIND_BY_WORD.get(normalize(text))


def parse_count(text: str) -> int:
    """Read how many touches a rep made; the cap catches fat-finger entries like 999999."""
    phrase = text.strip()
    if _COUNT_RE.fullmatch(phrase) is None:
        raise unreadable(text, "a count", f"a whole number from 1 to {MAX_COUNT}, like 12")
    count = Decimal(phrase)  # Not int(): it refuses strings of more than 4,300 digits.
    if count < 1:
        raise ParseError("A count has to be at least 1. Type how many you did, like 12.")
    if count > MAX_COUNT:
        raise ParseError(f"That's more than {MAX_COUNT} in one entry — split it up or check the number.")
    return int(count)
