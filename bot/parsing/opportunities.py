"""The `/opportunity` grammar: quick entry of a new deal, and naming an existing one forgivingly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.parsing import ParseError, check_fields
from bot.parsing.dates import parse_close_date, picked_date
from bot.parsing.tokens import match_choice, tokenize
from bot.parsing.values import looks_like_amount, parse_amount
from storage.records import NewOpportunity, OpportunityView

MAX_NAME = 120
MAX_ACCOUNT = 120
MAX_NEXT_STEP = 300
MAX_REASON = 500
KEYS = ("stage", "close", "account", "amount", "next")
_YEAR = re.compile(r"^(19|20)\d\d$")
_SHORT_ID = re.compile(r"^#?(\d{1,9})$")


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ParseError(
            "An opportunity needs a name. Try `/opportunity new Acme renewal 48k`, or just `/opportunity` for the form."
        )
    if len(name) > MAX_NAME:
        raise ParseError(f"That name is {len(name):,} characters long; keep it to {MAX_NAME} or fewer.")
    return name


def check_optional(value: str | None, what: str, limit: int) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise ParseError(f"The {what} is {len(value):,} characters long; keep it to {limit} or fewer.")
    return value or None


def pick_stage(text: str, stages: Sequence[str]) -> str:
    stage = match_choice(text, stages)
    if stage is None:
        raise ParseError(f"I don't know the stage “{text[:40]}”. Pick one of: {', '.join(stages)}.")
    return stage


def parse_new(text: str, today: date, open_stages: Sequence[str]) -> NewOpportunity:
    """`Acme renewal 48k stage:discovery close:"dec 15" account:"Acme Corp" next:"send pricing"`."""
    tokens = tokenize(text)
    fields: dict[str, str] = {}
    words: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        key, sep, value = token.partition(":")
        if sep and key.lower() in KEYS:
            key = key.lower()
            if key == "close":
                value, index = _greedy_date(value, tokens, index, today)
            fields[key] = value
        else:
            words.append(token)
        index += 1
    if "amount" not in fields:
        amount_at = _amount_position(words)
        if amount_at is not None:
            fields["amount"] = words.pop(amount_at)
    return NewOpportunity(
        name=check_name(" ".join(words)),
        stage=pick_stage(fields["stage"], open_stages) if fields.get("stage") else open_stages[0],
        account=check_optional(fields.get("account"), "account", MAX_ACCOUNT),
        amount=parse_amount(fields["amount"]) if "amount" in fields else None,
        expected_close=parse_close_date(fields["close"], today) if fields.get("close") else None,
        next_step=check_optional(fields.get("next"), "next step", MAX_NEXT_STEP),
    )


def _amount_position(words: list[str]) -> int | None:
    """The last money-shaped word, except a bare year like 2027, which is more likely part of the name."""
    for position in range(len(words) - 1, -1, -1):
        if looks_like_amount(words[position]) and not _YEAR.match(words[position]):
            return position
    return None


def _greedy_date(value: str, tokens: list[str], index: int, today: date) -> tuple[str, int]:
    """Let `close:dec 15` and `close:next friday` work without quotes by taking the longest phrase that parses."""
    for extra in (2, 1):
        following = tokens[index + 1 : index + 1 + extra]
        if len(following) < extra or any(":" in token for token in following):
            continue
        phrase = " ".join([value, *following])
        try:
            parse_close_date(phrase, today)
        except ParseError:
            continue
        return phrase, index + extra
    return value, index


@dataclass(frozen=True)
class Reference:
    """How a rep named a deal: by short id, or by some of its name."""

    text: str
    short_id: int | None


def reference(text: str) -> Reference:
    text = " ".join(text.split())
    match = _SHORT_ID.match(text)
    return Reference(text=text, short_id=int(match.group(1)) if match else None)


def best_matches(text: str, candidates: Sequence[OpportunityView]) -> list[OpportunityView]:
    """Exact name first, then names that start with the text, then names that contain it."""
    key = text.casefold()
    for test in (lambda name: name == key, lambda name: name.startswith(key), lambda name: key in name):
        found = [opp for opp in candidates if test(opp.name.casefold())]
        if found:
            return found
    return []


def parse_form(values: dict[str, str | None], today: date, open_stages: Sequence[str]) -> NewOpportunity:
    """The new-opportunity modal's fields; raises FieldErrors so each message lands beside its field."""
    checks = {
        "name": lambda text: check_name(text or ""),
        "account": lambda text: check_optional(text, "account", MAX_ACCOUNT),
        "amount": lambda text: parse_amount(text) if text and text.strip() else None,
        "stage": lambda text: pick_stage(text or "", open_stages),
        "close": lambda text: picked_date(text, today),
        "next_step": lambda text: check_optional(text, "next step", MAX_NEXT_STEP),
    }
    checked = check_fields(values, checks)
    return NewOpportunity(
        name=checked["name"],
        account=checked["account"],
        amount=checked["amount"],
        stage=checked["stage"],
        expected_close=checked["close"],
        next_step=checked["next_step"],
    )
