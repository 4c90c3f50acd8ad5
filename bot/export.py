"""CSV export: which rows a rep (or a manager, for the team) may take, in spreadsheet-friendly form."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.parsing import ParseError

KINDS = ("opportunities", "activities", "all")
_RELATIVE = re.compile(r"^(\d{1,4})([dwm])$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRequest:
    kinds: tuple[str, ...]
    since: date | None
    whole_team: bool


def parse_export(text: str, today: date) -> ExportRequest:
    """`[opportunities|activities|all] [since] [team]`, in any order: `all 30d team`, `activities 2026-10-01`."""
    kinds: tuple[str, ...] = ("opportunities", "activities")
    since: date | None = None
    whole_team = False
    for word in text.lower().split():
        if word in ("opportunities", "opportunity", "opps", "deals"):
            kinds = ("opportunities",)
        elif word in ("activities", "activity", "time"):
            kinds = ("activities",)
        elif word == "all":
            kinds = ("opportunities", "activities")
        elif word == "team":
            whole_team = True
        else:
            since = parse_since(word, today)
    return ExportRequest(kinds, since, whole_team)


def parse_since(word: str, today: date) -> date:
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = count * {"d": 1, "w": 7, "m": 30}[unit]
        return today - timedelta(days=min(days, 36500))
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise ParseError(
            "I can export `opportunities`, `activities` or `all`, since a date like `2026-10-01` or `30d`, "
            "e.g. `/opportunity export all 90d`."
        ) from None
    if day > today:
        raise ParseError("That date is in the future; pick a start date up to today.")
    return day


def cell(value: object) -> str:
    """Plain values a spreadsheet reads as they are: ISO dates, whole numbers, no formulas from user text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[str, int]:
    """The CSV text (UTF-8 with a header row) and how many data rows it holds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
    return buffer.getvalue(), count


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    rows: int


def deliver_export(services, team_id: str, user_id: str, request: ExportRequest) -> list[ExportedFile]:
    """Build each CSV and upload it to the rep's DM with Slack's two-step (v2) file upload."""
    from storage import export as rows

    owner = None if request.whole_team else user_id
    scope = "team" if request.whole_team else "mine"
    stamp = services.team_today().isoformat()
    sources = {
        "opportunities": (rows.OPPORTUNITY_COLUMNS, rows.opportunity_rows),
        "activities": (rows.ACTIVITY_COLUMNS, rows.activity_rows),
    }
    channel = services.client.conversations_open(users=user_id)["channel"]["id"]
    delivered = []
    for kind in request.kinds:
        columns, fetch = sources[kind]
        text, count = to_csv(columns, fetch(services.db, team_id, owner, request.since))
        filename = f"pipeline-coach-{kind}-{scope}-{stamp}.csv"
        services.client.files_upload_v2(
            channel=channel,
            content=text.encode("utf-8"),
            filename=filename,
            title=filename,
            initial_comment=f"Your {kind} export: {count} rows.",
        )
        delivered.append(ExportedFile(filename, count))
    return delivered
