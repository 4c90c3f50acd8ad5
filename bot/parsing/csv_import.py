"""What an imported file's columns and cells mean: our export's columns, and the names HubSpot,
Salesforce, Pipedrive and plain spreadsheets give the same things (case, spaces and punctuation aside).

Values are read with the slash commands' grammar (bot/parsing/values.py), so `$1,200.50`, `1.2m` and
`12/15/2026` mean here what they mean in `/opportunity new`. A column we do not use is ignored and
named; a value we cannot use rejects its row with the column's own name and what to write instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.parsing import ParseError
from bot.parsing.dates import AmbiguousDate, parse_date, parse_moment
from bot.parsing.values import PROSPECTING_KINDS, parse_amount
from bot.settings import CLOSED_STAGES
from storage.csv_import import Incoming
from storage.export import ACTIVITY_COLUMNS, OPPORTUNITY_COLUMNS
from storage.records import DEAL, LOST, OPEN, WON

STATUSES = (OPEN, WON, LOST, "removed")
WON_STAGE, LOST_STAGE = CLOSED_STAGES
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Other tools' names for our columns (compared folded: letters and digits only, lower case).
_ALIASES = {
    "name": ("deal name", "opportunity name", "deal title", "title", "deal", "opportunity"),
    "owner_id": (
        "owner", "owner email", "deal owner", "deal owner email", "opportunity owner", "opportunity owner email",
        "owner id", "rep", "sales rep", "assigned to",
    ),
    "account": (
        "account name", "company", "company name", "organization", "organization name", "deal organization",
        "associated company", "customer",
    ),
    "amount": ("deal value", "value", "deal amount"),
    "stage": ("deal stage", "stage name", "opportunity stage"),
    "status": ("deal status",),
    "expected_close": (
        "close date", "expected close date", "deal expected close date", "expected close", "closing date",
    ),
    "next_step": ("next steps", "deal next step"),
    "created_at": ("create date", "created date", "deal created", "deal deal created", "created", "created on"),
    "lost_reason": ("deal lost reason", "closed lost reason", "loss reason"),
}  # fmt: skip
_WON_WORDS, _LOST_WORDS = ("won", "closed won", "closedwon", "win"), ("lost", "closed lost", "closedlost", "loss")


def fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


class Rejected(Exception):
    """One row cannot be imported; the message says why, in a line a person can act on."""


class ColumnsProblem(ValueError):
    """The file's header, or a --map, cannot be used: one line, nothing imported."""


@dataclass(frozen=True)
class ColumnPlan:
    """Which column of the file feeds which of our fields, and which columns are left out."""

    fields: dict[str, int]
    used: tuple[tuple[str, str], ...]  # (their column, our field), in the file's order
    ignored: tuple[str, ...]

    def describe(self) -> list[str]:
        lines = ["Columns: " + ", ".join(f"{theirs} -> {ours}" for theirs, ours in self.used)]
        if self.ignored:
            lines.append("Ignored columns: " + ", ".join(self.ignored))
        return lines


def plan_columns(header: list[str], kind: str, mapping: dict[str, str]) -> ColumnPlan:
    """Match the header to our fields: --map first (an empty target ignores a column), then our own
    names, then other tools' names. Two columns for one field is a question only the user can answer."""
    ours = OPPORTUNITY_COLUMNS if kind == "opportunities" else ACTIVITY_COLUMNS
    required = ("name", "owner_id", "stage") if kind == "opportunities" else ("user_id", "kind", "occurred_on")
    known = {fold(field): field for field in ours}
    if kind == "opportunities":
        known |= {fold(alias): field for field, aliases in _ALIASES.items() for alias in aliases}
    by_fold = {fold(name): index for index, name in enumerate(header)}
    chosen: dict[int, str | None] = {}
    for theirs, field in mapping.items():
        if fold(theirs) not in by_fold:
            raise ColumnsProblem(f"--map {theirs!r}: the file has no such column (it has {', '.join(header)})")
        if field and field not in ours:
            raise ColumnsProblem(f"--map {theirs}={field}: {field!r} is not one of our fields ({', '.join(ours)})")
        chosen[by_fold[fold(theirs)]] = field or None
    explicit = set(chosen.values())
    for index, name in enumerate(header):
        if index not in chosen and known.get(fold(name)) not in explicit:
            chosen[index] = known.get(fold(name))
    fields: dict[str, int] = {}
    for index, field in sorted(chosen.items()):
        if field is None:
            continue
        if field in fields:
            first = header[fields[field]]
            raise ColumnsProblem(
                f"columns {first!r} and {header[index]!r} both look like {field}: "
                f"choose one with --map {header[index]!r}={field} or ignore one with --map {first!r}="
            )
        fields[field] = index
    missing = [field for field in required if field not in fields]
    if missing:
        raise ColumnsProblem(
            f"no column for {missing[0]} (the file has {', '.join(header) or 'no header'}); "
            f"name one with --map 'Their column={missing[0]}'"
        )
    used = tuple((header[index], field) for field, index in sorted(fields.items(), key=lambda item: item[1]))
    ignored = tuple(name for index, name in enumerate(header) if index not in fields.values())
    return ColumnPlan(fields, used, ignored)


class Stages:
    """Their stage names onto ours: ours by name, won and lost by meaning, --stage pairs, and a label that
    names exactly one of our open stages ("Proposal/Price Quote" is Proposal). Anything else is asked."""

    def __init__(self, open_stages: tuple[str, ...], given: dict[str, str]) -> None:
        self.ours = (*open_stages, WON_STAGE, LOST_STAGE)
        self._open = open_stages
        self._by_fold = {fold(stage): stage for stage in self.ours}
        self._by_fold |= {fold(word): WON_STAGE for word in _WON_WORDS} | {fold(w): LOST_STAGE for w in _LOST_WORDS}
        for theirs, stage in given.items():
            if stage.casefold() not in {ours.casefold() for ours in self.ours}:
                raise ColumnsProblem(f"--stage {theirs}={stage}: {stage!r} is not one of ours ({', '.join(self.ours)})")
            self._by_fold[fold(theirs)] = next(ours for ours in self.ours if ours.casefold() == stage.casefold())

    def read(self, text: str) -> str:
        found = self._by_fold.get(fold(text))
        if found:
            return found
        words = " " + " ".join(re.findall(r"[0-9a-z]+", text.casefold())) + " "
        named = [stage for stage in self._open if " " + " ".join(stage.casefold().split()) + " " in words]
        if len(named) == 1:
            return named[0]
        raise Rejected(
            f"stage {text!r} is not one of ours ({', '.join(self.ours)}); map it with --stage '{text}=Our stage'"
        )


Owners = Callable[[str, str], str]  # (value, column) -> Slack user id, or Rejected


@dataclass(frozen=True)
class RowReader:
    """Turns one row's cells into an Incoming record, reading every value the slash commands' way."""

    plan: ColumnPlan
    header: tuple[str, ...]
    owners: Owners
    stages: Stages | None
    now: datetime
    date_order: str | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    def cell(self, cells: list[str], field: str) -> tuple[str, str]:
        index = self.plan.fields.get(field)
        if index is None:
            return "", field
        value = cells[index].strip() if index < len(cells) else ""
        if value[:1] == "'" and value[1:2] in _FORMULA_START:
            value = value[1:]  # the export's guard against spreadsheet formulas
        return value, self.header[index]

    def _read(self, cells, field: str, read, values: dict) -> None:
        """Put the field in `values` if the file has the column; an empty cell is a value too (nothing)."""
        if field not in self.plan.fields:
            return
        text, column = self.cell(cells, field)
        try:
            values[field] = read(text) if text else None
        except AmbiguousDate as problem:
            raise Rejected(f"{column}: {_plain(problem)} Or give --date-order mdy or dmy.") from None
        except ParseError as problem:
            raise Rejected(f"{column}: {_plain(problem)}") from None

    def _text(self, cells, field: str, limit: int, required: bool = False) -> str | None:
        text, column = self.cell(cells, field)
        if not text and required:
            raise Rejected(f"{column} is empty")
        if len(text) > limit:
            raise Rejected(f"{column} is longer than {limit} characters")
        return text or None

    def _whole(self, cells, field: str, high: int) -> int | None:
        text, column = self.cell(cells, field)
        if text and (not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > high):
            raise Rejected(f"{column} {text!r} is not a whole number from 0 to {high}")
        return int(text) if text else None

    def _moments(self, cells, fields: tuple[str, ...]) -> dict:
        """Times the file gives; an empty one is left out, so a re-import keeps what is stored."""
        values: dict = {}
        for field in fields:
            self._read(cells, field, lambda text: parse_moment(text, self.today, self.date_order), values)
            if values.get(field, 1) is None:
                del values[field]
        return values

    def deal(self, line: int, cells: list[str]) -> Incoming:
        assert self.stages is not None
        values: dict = {"name": self._text(cells, "name", 120, required=True)}
        owner, column = self.cell(cells, "owner_id")
        values["owner_id"] = self.owners(owner, column)
        for field, limit in (("account", 120), ("next_step", 300), ("lost_reason", 500)):
            if field in self.plan.fields:
                values[field] = self._text(cells, field, limit)
        self._read(cells, "amount", parse_amount, values)
        self._read(cells, "expected_close", lambda text: parse_date(text, self.today, self.date_order), values)
        values |= self._moments(cells, ("created_at", "last_change_at", "closed_at"))
        values["stage"], values["status"] = self._stage_and_status(cells)
        created = values.get("created_at", self.now)
        fill = {"created_at": self.now, "last_change_at": created, "closed_at": None}
        if values["status"] in (WON, LOST):  # a closed deal's close date, when it is past, is when it closed
            close = values.get("expected_close")
            fill["closed_at"] = _midnight(close) if close and close <= self.today else self.now
        key = (values["owner_id"], values["name"].casefold())
        return Incoming(line, self._whole(cells, "id", 2**62), key, values, fill)

    def _stage_and_status(self, cells) -> tuple[str, str]:
        stage_text, _ = self.cell(cells, "stage")
        if not stage_text:
            raise Rejected(f"{self.cell(cells, 'stage')[1]} is empty")
        stage = self.stages.read(stage_text)
        status_text, column = self.cell(cells, "status")
        status = {"deleted": "removed"}.get(status_text.casefold(), status_text.casefold())
        if status and status not in STATUSES:
            raise Rejected(f"{column} {status_text!r} is not one of {', '.join(STATUSES)}")
        closed = {WON: WON_STAGE, LOST: LOST_STAGE}
        if status in closed and stage not in CLOSED_STAGES:
            stage = closed[status]  # Pipedrive keeps the stage and says won or lost beside it
        status = status or {WON_STAGE: WON, LOST_STAGE: LOST}.get(stage, OPEN)
        if (stage == WON_STAGE) != (status == WON) or (stage == LOST_STAGE) != (status == LOST):
            raise Rejected(f"status {status!r} does not fit stage {stage!r}")
        return stage, status

    def activity(self, line: int, cells: list[str]) -> Incoming:
        kind_text, column = self.cell(cells, "kind")
        kind = kind_text.lower()
        if kind != DEAL and kind not in PROSPECTING_KINDS:
            raise Rejected(f"{column} {kind_text!r} is not deal or one of {', '.join(PROSPECTING_KINDS)}")
        values: dict = {"kind": kind, "opportunity_id": None, "opportunity_name": None}
        if kind == DEAL:
            values["opportunity_id"] = self._whole(cells, "opportunity_id", 2**62)
            values["opportunity_name"] = self._text(cells, "opportunity_name", 120)
            if values["opportunity_id"] is None and values["opportunity_name"] is None:
                raise Rejected("a deal activity needs opportunity_id or opportunity_name")
        self._read(cells, "occurred_on", lambda text: parse_date(text, self.today, self.date_order), values)
        if values.get("occurred_on") is None:
            raise Rejected(f"{self.cell(cells, 'occurred_on')[1]} is empty")
        values["touches"] = self._whole(cells, "touches", 500) or 0
        values["minutes"] = self._whole(cells, "minutes", 16 * 60) or 0
        if values["touches"] == 0 and values["minutes"] == 0:
            raise Rejected("touches and minutes are both empty or zero")
        values["note"] = self._text(cells, "note", 300)
        user, column = self.cell(cells, "user_id")
        values["user_id"] = self.owners(user, column)
        values |= self._moments(cells, ("created_at",))
        return Incoming(line, self._whole(cells, "id", 2**62), None, values, {"created_at": self.now})


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _plain(problem: ParseError) -> str:
    """The grammar's words are written for Slack (&, < and > escaped); a terminal shows them as typed."""
    return html.unescape(str(problem))
