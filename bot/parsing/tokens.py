"""Splitting what a rep typed into words, and forgiving matches against a list of choices."""

import re
from collections.abc import Sequence
from difflib import get_close_matches


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The closest choice for a "did you mean" hint, ignoring case; None when nothing is close."""
    by_key = {choice.lower(): choice for choice in choices}
    close = get_close_matches(word.strip().lower(), by_key, n=1, cutoff=0.6)
    return by_key[close[0]] if close else None


_QUOTES = '"“”'
_TOKEN_RE = re.compile(rf"(?:[{_QUOTES}][^{_QUOTES}]*[{_QUOTES}]|[^\s{_QUOTES}]|[{_QUOTES}])+")
_QUOTED_RE = re.compile(rf"[{_QUOTES}]([^{_QUOTES}]*)[{_QUOTES}]")
_SEPARATORS_RE = re.compile(r"[\s_-]+")


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping "quoted runs" (straight or curly quotes) whole and unquoted.

    Quotes may sit mid-token, so `account:"Acme Corp"` gives `account:Acme Corp`. Any quote pairs
    with the next one; a final unpaired quote stays as a literal character. Empty tokens are dropped.
    """
    tokens = (_QUOTED_RE.sub(r"\1", found[0]) for found in _TOKEN_RE.finditer(text))
    return [token for token in tokens if token]


def _squash(text: str) -> str:
    return _SEPARATORS_RE.sub("", text.casefold())


def match_choice(text: str, choices: Sequence[str]) -> str | None:
    """Forgivingly pick one choice (e.g. a stage): exact, then unique prefix, ignoring case.

    If that fails, the same two steps run again ignoring spaces, underscores and hyphens, so
    "closedwon" finds "Closed Won". Returns None when nothing, or more than one choice, fits.
    """
    for key in (str.casefold, _squash):
        wanted = key(text.strip())
        if not wanted:
            return None
        for hits in (
            [choice for choice in choices if key(choice) == wanted],
            [choice for choice in choices if key(choice).startswith(wanted)],
        ):
            if len(hits) == 1:
                return hits[0]
    return None
