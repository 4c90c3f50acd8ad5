"""The obstacle grammar: `/opportunity obstacle acme budget "no money until Q2" checkpoint:15 jan`, the
obstacle form, the obstacle fields of the "I'm choosing to focus" form, and the new-checkpoint form.

A kind of None means "none": the rep is clearing the deal's obstacle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.parsing import FieldErrors, ParseError, echo
from bot.parsing.dates import parse_close_date, picked_date
from bot.parsing.opportunities import check_optional
from bot.parsing.tokens import suggest, tokenize
from storage.records import OBSTACLE_KINDS

MAX_NOTE = 300
CHECKPOINT_AHEAD = timedelta(days=366)
NONE = "none"
# What reps type, and the kind it means (None: clear the obstacle).
KIND_WORDS: dict[str, str | None] = {
    "budget": "budget",
    "money": "budget",
    "funding": "budget",
    "politics": "politics",
    "political": "politics",
    "timing": "timing",
    "competing": "competing priority",
    "priority": "competing priority",
    "priorities": "competing priority",
    "other": "other",
    "none": None,
    "clear": None,
}
KINDS_HELP = "budget, politics, timing, competing priority, other, or none to clear it"
USAGE = 'Try `/opportunity obstacle acme budget "no money until Q2" checkpoint:15 jan`.'
CHECKPOINT_EXAMPLES = "15 jan, friday, in 3 weeks or 2027-01-15"


@dataclass(frozen=True)
class ObstacleLine:
    """What `/opportunity obstacle …` asked for: which deal (as typed), the kind, a note, a checkpoint."""

    deal: str
    kind: str | None
    note: str | None
    checkpoint: date | None


def parse_checkpoint(text: str, today: date) -> date:
    """A checkpoint date: today or later, at most a year ahead, in any form a close date takes."""
    try:
        day = parse_close_date(text, today)
    except ParseError:
        raise ParseError(
            f"I couldn't use {echo(text)} as a checkpoint. Pick today or a day ahead, like {CHECKPOINT_EXAMPLES}."
        ) from None
    if day > today + CHECKPOINT_AHEAD:
        raise ParseError("A checkpoint works best within a year. Pick a nearer date.")
    return day


def _take_checkpoint(tokens: list[str], today: date) -> tuple[list[str], date | None]:
    """Find `checkpoint:DATE` (the date may run over two more words: `checkpoint:15 jan`) and remove it."""
    for index, token in enumerate(tokens):
        key, colon, value = token.partition(":")
        if not colon or key.lower() not in ("checkpoint", "check", "by"):
            continue
        for extra in (2, 1, 0):
            following = tokens[index + 1 : index + 1 + extra]
            if len(following) < extra:
                continue
            phrase = " ".join([value, *following]).strip()
            try:
                day = parse_checkpoint(phrase, today)
            except ParseError:
                if extra == 0:
                    raise
                continue
            return tokens[:index] + tokens[index + 1 + extra :], day
    return tokens, None


def _kind_at(tokens: list[str], index: int) -> tuple[str | None, int] | None:
    """The kind named at tokens[index] and how many words it takes, or None if it names none."""
    word = tokens[index].lower()
    if word == "competing" and index + 1 < len(tokens) and tokens[index + 1].lower() in ("priority", "priorities"):
        return "competing priority", 2
    if word == "competing priority":  # typed in quotes
        return "competing priority", 1
    if word in KIND_WORDS:
        return KIND_WORDS[word], 1
    return None


def parse_obstacle(rest: str, today: date) -> ObstacleLine:
    """`acme budget "no money until Q2" checkpoint:15 jan`: the deal is every word before the first kind."""
    tokens, checkpoint = _take_checkpoint(tokenize(rest), today)
    if len(tokens) < 2:
        raise ParseError(f"Tell me the opportunity and what stands in its way. {USAGE}")
    for index in range(1, len(tokens)):
        found = _kind_at(tokens, index)
        if found is None:
            continue
        kind, width = found
        note = check_optional(" ".join(tokens[index + width :]), "note", MAX_NOTE)
        if kind is None:
            return ObstacleLine(" ".join(tokens[:index]), None, None, None)
        return ObstacleLine(" ".join(tokens[:index]), kind, note, checkpoint)
    for token in tokens[1:]:
        guess = suggest(token, list(KIND_WORDS))
        if guess:
            shown = KIND_WORDS[guess] or NONE
            raise ParseError(
                f"I don't know the obstacle {echo(token)}. Did you mean `{shown}`? Obstacles: {KINDS_HELP}."
            )
    raise ParseError(f"Which obstacle is it: {KINDS_HELP}? {USAGE}")


def _kind_field(text: str | None) -> str | None:
    if text == NONE:
        return None
    if text not in OBSTACLE_KINDS:
        raise ParseError("Pick what stands in the way.")
    return text


def _checkpoint_field(text: str | None, today: date) -> date | None:
    day = picked_date(text, today)
    if day is not None and day > today + CHECKPOINT_AHEAD:
        raise ParseError("A checkpoint works best within a year. Pick a nearer date.")
    return day


def _collect(checks: dict) -> dict:
    errors, checked = {}, {}
    for field, check in checks.items():
        try:
            checked[field] = check()
        except ParseError as mistake:
            errors[field] = str(mistake)
    if errors:
        raise FieldErrors(errors)
    return checked


def parse_obstacle_form(values: dict[str, str | None], today: date) -> tuple[str | None, str | None, date | None]:
    """The "Name an obstacle" form: (kind or None to clear, note, checkpoint); errors land beside fields."""
    checked = _collect(
        {
            "kind": lambda: _kind_field(values.get("kind")),
            "note": lambda: check_optional(values.get("note"), "note", MAX_NOTE),
            "checkpoint": lambda: _checkpoint_field(values.get("checkpoint"), today),
        }
    )
    return checked["kind"], checked["note"], checked["checkpoint"]


def parse_focus_obstacle(values: dict[str, str | None], today: date) -> tuple[str | None, date | None]:
    """The focus form's optional obstacle fields: (kind, checkpoint); a checkpoint needs a kind."""
    raw = values.get("kind")
    checked = _collect(
        {
            "kind": lambda: _kind_field(raw) if raw else None,
            "checkpoint": lambda: _checkpoint_field(values.get("checkpoint"), today),
        }
    )
    if checked["checkpoint"] is not None and checked["kind"] is None:
        raise FieldErrors({"kind": "Name what stands in the way too, or leave the checkpoint empty."})
    return checked["kind"], checked["checkpoint"]


def parse_new_checkpoint(values: dict[str, str | None], today: date) -> date:
    """The "Not yet" form: a new checkpoint is required."""
    checked = _collect({"checkpoint": lambda: _checkpoint_field(values.get("checkpoint"), today)})
    if checked["checkpoint"] is None:
        raise FieldErrors({"checkpoint": "Pick the day you'll know more."})
    return checked["checkpoint"]


def parse_detach_form(values: dict[str, str | None], today: date) -> tuple[date | None, str | None]:
    """The "when should you detach?" form: a day after today, a condition, or both (one is needed)."""
    checked = _collect(
        {
            "detach_on": lambda: _checkpoint_field(values.get("detach_on"), today),
            "condition": lambda: check_optional(values.get("condition"), "condition", MAX_NOTE),
        }
    )
    if checked["detach_on"] is None and not checked["condition"]:
        raise FieldErrors({"condition": "Pick a day, or say what would tell you it is time to step back."})
    return checked["detach_on"], checked["condition"]
