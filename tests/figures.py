"""Records of figures for rule tests: start from nothing and give only the figures a story is about."""

from __future__ import annotations

import types
import typing
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def _nothing(hint: Any) -> Any:
    if hint is int:
        return 0
    if hint is float:
        return 0.0
    if typing.get_origin(hint) is tuple:
        return ()
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint):
        return None
    raise TypeError(f"no empty value for {hint}: give it")


def zeros(record: type[T], **given: Any) -> T:
    """`record` with nothing in it: numbers 0, optional values None, sequences empty; `given` fields as given."""
    unknown = set(given) - {field.name for field in fields(record)}
    if unknown:
        raise TypeError(f"{record.__name__} has no {', '.join(sorted(unknown))}")
    hints = typing.get_type_hints(record)
    values = {
        field.name: given[field.name] if field.name in given else _nothing(hints[field.name])
        for field in fields(record)
    }
    return record(**values)
