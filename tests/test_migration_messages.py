"""Every migration introduces itself in one line: start-up logs it, and an operator reads one line."""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[1] / "storage" / "migrations" / "versions"


def test_every_migrations_summary_is_a_single_line():
    for path in sorted(VERSIONS.glob("0*.py")):
        summary = (ast.get_docstring(ast.parse(path.read_text()), clean=False) or "").split("\n\n")[0]
        assert summary.strip() and "\n" not in summary.strip(), f"{path.name}: the first paragraph spans lines"
