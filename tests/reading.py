"""Reading what a rep was shown: a story lists the lines it expects, one a line, and a failure names the
ones that are missing rather than the first."""

from __future__ import annotations


def shows(shown: str, expected: str) -> None:
    """Every non-blank line of `expected` appears somewhere in `shown` (a reply, often as JSON)."""
    lines = [line.strip() for line in expected.splitlines() if line.strip()]
    missing = [line for line in lines if line not in shown]
    assert lines and not missing, f"not shown: {missing}"
