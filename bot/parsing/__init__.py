"""Read the short, messy things sales reps type into Slack, one grammar per feature.

Every parser is pure: callers pass `today`, so answers never depend on the clock or the server's time
zone. Mistakes raise `ParseError` (one line) or `FieldErrors` (per modal field), whose messages are
written for the rep (what was wrong and what to type instead) and are safe to post to Slack as-is:
echoed input is short and has &, < and > escaped.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.text import clip, escape

ECHO_LIMIT = 40


class ParseError(ValueError):
    """A rep typed something we can't use; `str(error)` is the friendly reply to show them."""


class FieldErrors(Exception):
    """Problems keyed by the modal block they belong to."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def echo(text: str) -> str:
    """Quote the rep's input, clipped and escaped, so a typo can't flood the reply or ping @channel."""
    shown = "".join(char for char in " ".join(text.split()) if char.isprintable())
    return "“" + escape(clip(shown, ECHO_LIMIT)) + "”"


def unreadable(text: str, what: str, examples: str) -> ParseError:
    """The standard 'couldn't read it, try this' error, so every parser sounds the same."""
    if not text.strip():
        return ParseError(f"I need {what} here. Try {examples}.")
    return ParseError(f"I couldn't read {echo(text)} as {what}. Try {examples}.")


def normalize(text: str) -> str:
    """Lower-case and collapse whitespace so the grammars see one spelling of each phrase."""
    return " ".join(text.split()).lower()


def check_fields(values: dict[str, str | None], checks: dict[str, Callable]) -> dict[str, object]:
    """Run each field's check; collect every problem so the modal shows them all at once."""
    errors: dict[str, str] = {}
    checked: dict[str, object] = {}
    for field, check in checks.items():
        try:
            checked[field] = check(values.get(field))
        except ParseError as mistake:
            errors[field] = str(mistake)
    if errors:
        raise FieldErrors(errors)
    return checked
