"""Reading model rows into the frozen records storage hands back, and adding a row to read back."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import TypeVar

V = TypeVar("V")
M = TypeVar("M")


@cache
def _names(view: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(view))


def read_row(view: type[V], row: object, **given: object) -> V:
    """`row` as a `view` record: each field from the row's attribute of the same name, unless `given`
    (a joined table's column, a value worked out from the row)."""
    return view(**{name: given[name] if name in given else getattr(row, name) for name in _names(view)})


def added(session, row: M) -> M:
    """Add a new row and flush it, so what the database fills in (its id) can be read back."""
    session.add(row)
    session.flush()
    return row
