"""The selling-time grammar: `/prospect 25 calls 2h yesterday`, `/opportunity log acme 90m`, quotas.

Built on bot/parsing/values.py and dates.py, so every mistake is a ParseError whose message says what to
type instead.
A word like `90m` reads as money elsewhere (90 million); here it is always a duration, because these
grammars never take an amount, except `quota`, which takes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.parsing import FieldErrors, ParseError, check_fields
from bot.parsing.dates import looks_like_day, parse_activity_day
from bot.parsing.opportunities import check_optional
from bot.parsing.tokens import suggest, tokenize
from bot.parsing.values import (
    PROSPECTING_KINDS,
    looks_like_duration,
    parse_amount,
    parse_count,
    parse_duration,
    parse_prospecting_kind,
)
from bot.text import escape
from storage.records import DEAL, NewActivity

MAX_NOTE = 300
_NUMBER = re.compile(r"[-+]?\d+", re.ASCII)
_KIND_WORDS = (
    "call", "calls", "dials", "email", "emails", "meeting", "meetings", "demo", "demos", "social",
    "linkedin", "referral", "referrals", "intros", "event", "events", "webinar", "other",
)  # fmt: skip
KINDS_HINT = ", ".join(PROSPECTING_KINDS)
PROSPECT_EXAMPLE = "`/prospect 25 calls 2h`, `/prospect 40m linkedin yesterday`"
LOG_EXAMPLE = "`/opportunity log acme 90m proposal review`"


def _duration_at(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """The duration starting at tokens[index], as (phrase, width): `2 hours` and `1h 30m` span two words."""
    for width in (2, 1):
        words = tokens[index : index + width]
        if len(words) == width and looks_like_duration(" ".join(words)):
            return " ".join(words), width
    return None


def _kind_at(tokens: Sequence[str], index: int) -> tuple[str, int] | None:
    """The prospecting kind starting at tokens[index]: `meetings booked` and `cold calls` span two words."""
    for width in (2, 1):
        words = tokens[index : index + width]
        if len(words) == width and (kind := parse_prospecting_kind(" ".join(words))):
            return kind, width
    return None


def _note(tokens: Sequence[str]) -> str | None:
    return check_optional(" ".join(tokens), "note", MAX_NOTE)


def parse_prospect(text: str, today: date) -> NewActivity:
    """`<count> <kind> [duration] [when] [note]`; the count, kind, duration and day may come in any order.

    At least a count or a duration is needed. The first word that is none of these starts the note.
    """
    tokens = tokenize(text)
    count: int | None = None
    minutes: int | None = None
    kind: str | None = None
    day: date | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if minutes is None and (found := _duration_at(tokens, index)):
            minutes = parse_duration(found[0])
            index += found[1]
        elif count is None and _NUMBER.fullmatch(token):
            count = parse_count(token)
            index += 1
        elif kind is None and (named := _kind_at(tokens, index)):
            kind = named[0]
            index += named[1]
        elif day is None and looks_like_day(token):
            day = parse_activity_day(token, today)
            index += 1
        else:
            break
    if kind is None:
        raise _unknown_kind(tokens[index] if index < len(tokens) else None)
    if count is None and minutes is None:
        raise ParseError(f"Tell me how many or how long, like {PROSPECT_EXAMPLE}.")
    return NewActivity(
        kind=kind,
        occurred_on=day or today,
        minutes=minutes or 0,
        touches=count or 0,
        note=_note(tokens[index:]),
    )


def _unknown_kind(word: str | None) -> ParseError:
    if word is None:
        return ParseError(f"What kind of prospecting was it? Pick one of: {KINDS_HINT}. Like {PROSPECT_EXAMPLE}.")
    guess = suggest(word, _KIND_WORDS)
    shown = escape(word[:30])
    hint = f" Did you mean {parse_prospecting_kind(guess)}?" if guess else ""
    return ParseError(f"I don't know the kind “{shown}”.{hint} Pick one of: {KINDS_HINT}.")


@dataclass(frozen=True)
class DealLog:
    """`/opportunity log acme 90m yesterday proposal review`: which deal (as typed), how long, when, a note."""

    reference: str
    minutes: int
    occurred_on: date
    note: str | None

    def activity(self, opportunity_id: int) -> NewActivity:
        return NewActivity(
            kind=DEAL,
            occurred_on=self.occurred_on,
            minutes=self.minutes,
            opportunity_id=opportunity_id,
            note=self.note,
        )


def parse_log(text: str, today: date) -> DealLog:
    """`<opportunity> <duration> [when] [note]`: the deal is every word before the first duration."""
    tokens = tokenize(text)
    if not tokens:
        raise ParseError(f"Tell me which deal and how long, like {LOG_EXAMPLE}.")
    found = next(((index, hit) for index in range(len(tokens)) if (hit := _duration_at(tokens, index))), None)
    if found is None:
        raise ParseError(f"How long did you work on it? Add a time such as 90m or 1.5h, like {LOG_EXAMPLE}.")
    index, (phrase, width) = found
    if index == 0:
        raise ParseError(f"Name the deal first, then the time, like {LOG_EXAMPLE}.")
    minutes = parse_duration(phrase)
    rest = tokens[index + width :]
    day = today
    if rest and looks_like_day(rest[0]):
        day = parse_activity_day(rest[0], today)
        rest = rest[1:]
    return DealLog(reference=" ".join(tokens[:index]), minutes=minutes, occurred_on=day, note=_note(rest))


EXPIRED_CHOICE = "That choice has expired. Type the `/opportunity log …` line again."


def carry_log(entry: DealLog) -> str:
    """What the rep typed, carried on the "which deal?" buttons while they pick: minutes|day|note."""
    return f"{entry.minutes}|{entry.occurred_on.isoformat()}|{entry.note or ''}"


def read_carried_log(carried: object) -> DealLog:
    """The entry a "which deal?" button carried back (untrusted: it comes back through Slack)."""
    minutes, _, rest = str(carried or "").partition("|")
    day, _, note = rest.partition("|")
    try:
        return DealLog("", int(minutes), date.fromisoformat(day), note or None)
    except ValueError:
        raise ParseError(EXPIRED_CHOICE) from None


def parse_quota(text: str) -> int:
    """`250k`, `$1.2m`, `900,000`: a quota is a positive amount."""
    amount = parse_amount(text)
    if amount <= 0:
        raise ParseError("A quota has to be more than zero. Try `/opportunity quota 250k`.")
    return amount


# --- Modals --------------------------------------------------------------------------------------


def _form_day(text: str | None, today: date) -> date:
    return parse_activity_day(text, today) if text else today


def _optional(parse, text: str | None):
    return parse(text) if text and text.strip() else None


def parse_prospect_form(values: dict[str, str | None], today: date) -> NewActivity:
    """The prospecting modal: kind, count, duration, day, note. A count or a duration is needed."""
    checked = check_fields(
        values,
        {
            "kind": lambda text: _form_kind(text),
            "count": lambda text: _optional(parse_count, text),
            "duration": lambda text: _optional(parse_duration, text),
            "day": lambda text: _form_day(text, today),
            "note": lambda text: check_optional(text, "note", MAX_NOTE),
        },
    )
    if checked["count"] is None and checked["duration"] is None:
        raise FieldErrors({"count": "Add how many, how long, or both."})
    return NewActivity(
        kind=checked["kind"],
        occurred_on=checked["day"],
        minutes=checked["duration"] or 0,
        touches=checked["count"] or 0,
        note=checked["note"],
    )


def _form_kind(text: str | None) -> str:
    kind = parse_prospecting_kind(text or "")
    if kind is None:
        raise ParseError(f"Pick one of: {KINDS_HINT}.")
    return kind


def parse_log_form(values: dict[str, str | None], today: date) -> tuple[int, date, str | None]:
    """The "Log time" modal: duration (required), day, note, as (minutes, day, note)."""
    checked = check_fields(
        values,
        {
            "duration": lambda text: parse_duration(text or ""),
            "day": lambda text: _form_day(text, today),
            "note": lambda text: check_optional(text, "note", MAX_NOTE),
        },
    )
    return checked["duration"], checked["day"], checked["note"]
