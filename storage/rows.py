"""Reading model rows into the frozen records storage hands back, and adding a row to read back; running a
statement built once."""

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


def columns_of(view: type, model: type) -> list:
    """The model's columns a view record reads (the view's fields the model has), for a Core select whose
    rows `read_row` turns into that view."""
    return [getattr(model, name) for name in _names(view) if hasattr(model, name)]


def fetched(db, statement, params: dict) -> list:
    """A statement built once (every value a bound parameter) run on the transaction's connection, past the
    ORM's layer: for the reads a Home refresh makes after every change a rep types."""
    with db.transaction() as session:
        return session.connection().execute(statement, params).all()


def added(session, row: M) -> M:
    """Add a new row and flush it, so what the database fills in (its id) can be read back."""
    session.add(row)
    session.flush()
    return row
