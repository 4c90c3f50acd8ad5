"""`python -m bot import opportunities|activities FILE.csv`: the columns `/opportunity export` writes.

Each row is checked on its own: a bad row is rejected with its line number and the reason, the rest
import. A row with an `id` restores or updates that record of the workspace; a row without one is
matched by what identifies it (an opportunity by owner and name, an activity by all its fields), so a
second import of the same file changes nothing. Owners are Slack user ids or emails (users.lookupByEmail).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.parsing.values import MAX_AMOUNT, PROSPECTING_KINDS
from storage import csv_import as store
from storage.export import ACTIVITY_COLUMNS, OPPORTUNITY_COLUMNS

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATUSES = ("open", "won", "lost", "removed")


class Rejected(Exception):
    """One row cannot be imported; the message says why, in a line a person can act on."""


class BadFile(Exception):
    """The file as a whole cannot be read (missing, not CSV, unknown columns): one line, exit 2."""


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "Would create" if self.dry_run else "Created"
        head = (
            f"{verb} {self.created}, {'update' if self.dry_run else 'updated'} {self.updated}, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected ({self.kind})."
        )
        return [head] + [f"  line {line}: {reason}" for line, reason in self.rejected]


def read_rows(path: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            unknown = [name for name in header if name not in columns]
            missing = [name for name in required if name not in header]
            if unknown or missing:
                problem = f"unknown column {unknown[0]!r}" if unknown else f"no {missing[0]!r} column"
                raise BadFile(
                    f"{path}: {problem}; the columns are those /opportunity export writes: {', '.join(columns)}"
                )
            rows, line = [], reader.line_num + 1
            for row in reader:
                rows.append((line, row))
                line = reader.line_num + 1
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise BadFile(f"Could not read {path}: {error}") from None


def _text(row: dict, name: str, limit: int, required: bool = False) -> str | None:
    value = (row.get(name) or "").strip()
    if value[:1] == "'" and value[1:2] in _FORMULA_START:
        value = value[1:]  # the export's guard against spreadsheet formulas
    if not value:
        if required:
            raise Rejected(f"{name} is empty")
        return None
    if len(value) > limit:
        raise Rejected(f"{name} is longer than {limit} characters")
    return value


def _whole(row: dict, name: str, low: int, high: int) -> int | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise Rejected(f"{name} {value!r} is not a whole number from {low} to {high}")
    return int(value)


def _day(row: dict, name: str) -> date | None:
    value = (row.get(name) or "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Rejected(f"{name} {value!r} is not a date like 2026-12-15") from None


def _moment(row: dict, name: str) -> datetime | None:
    value = (row.get(name) or "").strip()
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) if value else None
    except ValueError:
        raise Rejected(f"{name} {value!r} is not a UTC time like 2026-11-23 15:00:00") from None


class Owners:
    """Slack user ids as given; emails looked up once each with users.lookupByEmail."""

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self._lookup, self._known = lookup, {}

    def __call__(self, value: str | None, column: str) -> str:
        if not value:
            raise Rejected(f"{column} is empty: give a Slack user id (U0123ABCD) or an email")
        if _USER_ID.match(value):
            return value
        if "@" in value:
            if value.casefold() not in self._known:
                self._known[value.casefold()] = self._lookup(value)
            found = self._known[value.casefold()]
            if found is None:
                raise Rejected(f"{column} {value!r}: no Slack user has that email")
            return found
        raise Rejected(f"{column} {value!r} is neither a Slack user id nor an email")


def opportunity_of(row: dict, owners: Owners, stages: tuple[str, ...], now: datetime) -> store.OpportunityRow:
    by_fold = {stage.casefold(): stage for stage in stages}
    stage_text = _text(row, "stage", 40, required=True) or ""
    stage = by_fold.get(stage_text.casefold())
    if stage is None:
        raise Rejected(f"stage {stage_text!r} is not one of {', '.join(stages)}")
    status = (_text(row, "status", 8) or {"Won": "won", "Lost": "lost"}.get(stage, "open")).lower()
    if status not in STATUSES:
        raise Rejected(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if (stage == "Won") != (status == "won") or (stage == "Lost" and status != "lost"):
        raise Rejected(f"status {status!r} does not fit stage {stage!r}")
    created = _moment(row, "created_at") or now
    return store.OpportunityRow(
        id=_whole(row, "id", 1, 2**62),
        owner_id=owners(_text(row, "owner_id", 254), "owner_id"),
        name=_text(row, "name", 120, required=True) or "",
        account=_text(row, "account", 120),
        amount=_whole(row, "amount", 0, MAX_AMOUNT),
        stage=stage,
        status=status,
        expected_close=_day(row, "expected_close"),
        next_step=_text(row, "next_step", 300),
        created_at=created,
        last_change_at=_moment(row, "last_change_at") or created,
        closed_at=_moment(row, "closed_at"),
        lost_reason=_text(row, "lost_reason", 500),
    )


def activity_of(row: dict, owners: Owners, now: datetime) -> store.ActivityRow:
    kind = (_text(row, "kind", 16, required=True) or "").lower()
    if kind != "deal" and kind not in PROSPECTING_KINDS:
        raise Rejected(f"kind {kind!r} is not deal or one of {', '.join(PROSPECTING_KINDS)}")
    opportunity_id = _whole(row, "opportunity_id", 1, 2**62)
    opportunity_name = _text(row, "opportunity_name", 120)
    if kind == "deal" and opportunity_id is None and opportunity_name is None:
        raise Rejected("a deal activity needs opportunity_id or opportunity_name")
    occurred = _day(row, "occurred_on")
    if occurred is None:
        raise Rejected("occurred_on is empty")
    touches, minutes = _whole(row, "touches", 0, 500) or 0, _whole(row, "minutes", 0, 16 * 60) or 0
    if touches == 0 and minutes == 0:
        raise Rejected("touches and minutes are both empty or zero")
    return store.ActivityRow(
        id=_whole(row, "id", 1, 2**62),
        user_id=owners(_text(row, "user_id", 254), "user_id"),
        kind=kind,
        opportunity_id=opportunity_id if kind == "deal" else None,
        opportunity_name=opportunity_name if kind == "deal" else None,
        touches=touches,
        minutes=minutes,
        occurred_on=occurred,
        note=_text(row, "note", 300),
        created_at=_moment(row, "created_at") or now,
    )


def import_file(
    db, team_id: str, kind: str, path: str, lookup: Callable[[str], str | None], stages, now: datetime, dry_run: bool
) -> ImportReport:
    report = ImportReport(kind, dry_run)
    owners = Owners(lookup)
    if kind == "opportunities":
        rows = read_rows(path, OPPORTUNITY_COLUMNS, ("name", "owner_id", "stage"))
        build = lambda row: opportunity_of(row, owners, stages, now)  # noqa: E731
        apply = store.import_opportunities
    else:
        rows = read_rows(path, ACTIVITY_COLUMNS, ("user_id", "kind", "occurred_on"))
        build = lambda row: activity_of(row, owners, now)  # noqa: E731
        apply = store.import_activities
    parsed = []
    for line, row in rows:
        try:
            parsed.append((line, build(row)))
        except Rejected as problem:
            report.rejected.append((line, str(problem)))
    outcomes = apply(db, team_id, parsed, dry_run=dry_run)
    for line, outcome in outcomes:
        if outcome in ("created", "updated", "unchanged"):
            setattr(report, outcome, getattr(report, outcome) + 1)
        else:
            report.rejected.append((line, outcome))
    report.rejected.sort()
    return report
