"""The part of SOQL the Salesforce stand-in answers, over its in-memory tables, and how records are shown.

SELECT fields (a parent's field as `Account.Name`, or COUNT()) FROM one object, WHERE conditions joined by
AND (=, !=, <, <=, >, >=, IN (...); strings quoted with backslash escapes, numbers, true/false/null, date
and date-time literals), ORDER BY fields ASC/DESC, LIMIT. Anything else is a MALFORMED_QUERY, as
Salesforce would answer a query it cannot read, so a query the product sends is never half-understood.
Values are kept typed (datetime, date, float, bool, str, None) and shown as REST's JSON (date-times as
`2026-12-06T10:15:00.000+0000`, parents nested) or as Bulk API 2.0's CSV cells (`...Z`, dotted columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

PARENTS = {"Account": "Account", "Contact": "Contact", "Owner": "User", "RecordType": "RecordType"}
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<dt>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)|(?P<day>\d{4}-\d\d-\d\d)"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][\w.]*))"
)


class Malformed(ValueError):
    """A query the stand-in (like Salesforce) cannot read."""


@dataclass
class Query:
    fields: list[str]
    table: str
    count: bool = False
    where: list[tuple[str, str, object]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None


def tokens(text: str) -> list[tuple[str, object]]:
    found, at = [], 0
    while at < len(text.rstrip()):
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise Malformed(f"unexpected token at {text[at:at + 20]!r}")
        kind = match.lastgroup
        raw = match.group(kind)
        value: object = raw
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        elif kind == "dt":
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        elif kind == "day":
            value = date.fromisoformat(raw)
        elif kind == "num":
            value = float(raw)
        elif kind == "word" and raw.lower() in ("true", "false", "null"):
            kind, value = "lit", {"true": True, "false": False, "null": None}[raw.lower()]
        found.append((kind, value))
        at = match.end()
    return found


_SEMI_JOIN = re.compile(r"\b(\w+) IN \(\s*(SELECT [^()]*)\)", re.IGNORECASE)


def semi_joins(text: str, tables: dict, columns: dict[str, set[str]]) -> str:
    """`Id IN (SELECT OwnerId FROM Opportunity ...)` answered first and written as the list of its values
    (a semi-join selects one reference field; Salesforce allows no more)."""

    def answer(match: re.Match) -> str:
        inner = parse(match.group(2))
        if len(inner.fields) != 1 or "." in inner.fields[0] or inner.count:
            raise Malformed("a semi-join selects one field")
        values = {value_of(tables, inner.table, record, inner.fields[0]) for record in run(tables, columns, inner)}
        quoted = ", ".join("'" + str(value) + "'" for value in sorted(v for v in values if v)) or "''"
        return f"{match.group(1)} IN ({quoted})"

    return _SEMI_JOIN.sub(answer, text)


def parse(text: str) -> Query:
    parts = tokens(text)
    at = 0

    def word(expected: str | None = None) -> str:
        nonlocal at
        kind, value = parts[at] if at < len(parts) else ("end", None)
        if kind != "word" or (expected and str(value).upper() != expected):
            raise Malformed(f"expected {expected or 'a name'} at token {at}")
        at += 1
        return str(value)

    def peek(upper: str) -> bool:
        return at < len(parts) and parts[at][0] in ("word", "op") and str(parts[at][1]).upper() == upper

    word("SELECT")
    names, count = [], False
    while True:
        name = word()
        if name.upper() == "COUNT" and peek("("):
            at += 2  # COUNT ( )
            count = True
        else:
            names.append(name)
        if not peek(","):
            break
        at += 1
    word("FROM")
    query = Query(names, word(), count)
    if peek("WHERE"):
        at += 1
        while True:
            name, (kind, op) = word(), parts[at]
            at += 1
            if str(op).upper() == "IN":
                values = []
                at += 1  # (
                while parts[at][1] != ")":
                    values.append(parts[at][1])
                    at += 2 if parts[at + 1][1] == "," else 1
                at += 1
                query.where.append((name, "IN", values))
            elif kind == "op":
                query.where.append((name, str(op), parts[at][1]))
                at += 1
            else:
                raise Malformed(f"unknown operator {op!r}")
            if not peek("AND"):
                break
            at += 1
    if peek("ORDER"):
        at += 1
        word("BY")
        while True:
            name, descending = word(), False
            if peek("ASC") or peek("DESC"):
                descending = word().upper() == "DESC"
            query.order.append((name, descending))
            if not peek(","):
                break
            at += 1
    if peek("LIMIT"):
        at += 1
        query.limit = int(parts[at][1])
        at += 1
    if at != len(parts):
        raise Malformed(f"unexpected {parts[at][1]!r}")
    return query


def check(columns: dict[str, set[str]], table: str, path: str) -> None:
    """A field the object has (Salesforce answers INVALID_FIELD for one it lacks)."""
    head, _, rest = path.partition(".")
    if not rest:
        if head not in columns[table]:
            raise Malformed(f"No such column '{head}' on entity '{table}'")
        return
    if head not in PARENTS or head + "Id" not in columns[table]:
        raise Malformed(f"Didn't understand relationship '{head}' in field path")
    check(columns, PARENTS[head], rest)


def value_of(tables: dict, table: str, record: dict, path: str):
    head, _, rest = path.partition(".")
    if not rest:
        return record.get(head)
    parent_table = PARENTS[head]
    parent = tables[parent_table].get(record.get(head + "Id") or "")
    return None if parent is None else value_of(tables, parent_table, parent, rest)


def _comparable(value):
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, date):
        return (2, value.toordinal())
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, int | float):
        return (4, float(value))
    return (0, "") if value is None else (5, str(value))


def _holds(have, op: str, want) -> bool:
    left, right = _comparable(have), want
    if op == "IN":
        return left in want
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    if have is None or want == (0, ""):
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def run(tables: dict, columns: dict[str, set[str]], query: Query) -> list[dict]:
    """The matching records of `query.table`, ordered and limited (the records themselves)."""
    if query.table not in tables:
        raise Malformed(f"sObject type '{query.table}' is not supported")
    for name in [*query.fields, *(name for name, _, _ in query.where), *(name for name, _ in query.order)]:
        check(columns, query.table, name)
    wanted = [
        (name, op, {_comparable(one) for one in want} if op == "IN" else _comparable(want))
        for name, op, want in query.where
    ]
    rows = tables[query.table]
    if wanted and wanted[0][:2] == ("Id", "IN"):  # an index on Id, as Salesforce has
        rows = {key: rows[key] for key in (str(one[1]) for one in wanted[0][2]) if key in rows}
    found = [
        record for record in rows.values()
        if all(_holds(value_of(tables, query.table, record, name), op, want) for name, op, want in wanted)
    ]  # fmt: skip
    for name, descending in reversed(query.order):
        found.sort(key=lambda record: _comparable(value_of(tables, query.table, record, name)), reverse=descending)
    return found[: query.limit] if query.limit is not None else found


def shown(value) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if isinstance(value, date):
        return value.isoformat()
    return value


def rest_record(tables: dict, table: str, record: dict, fields: list[str]) -> dict:
    """A record as the REST query resource shows it: attributes, then each field, parents nested."""
    out: dict = {"attributes": {"type": table, "url": f"/services/data/v59.0/sobjects/{table}/{record['Id']}"}}
    for name in fields:
        head, _, rest = name.partition(".")
        if not rest:
            out[head] = shown(record.get(head))
            continue
        parent_table = PARENTS[head]
        parent = tables[parent_table].get(record.get(head + "Id") or "")
        if parent is None:
            out[head] = None
            continue
        url = f"/services/data/v59.0/sobjects/{parent_table}/{parent['Id']}"
        nested = out.get(head) or {"attributes": {"type": parent_table, "url": url}}
        nested[rest] = shown(parent.get(rest))
        out[head] = nested
    return out


def csv_cell(value) -> str:
    """A value as Bulk API 2.0's CSV holds it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(shown(value))
