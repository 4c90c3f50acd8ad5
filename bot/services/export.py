"""CSV export: which rows a rep (or a manager, for the team) may take, in spreadsheet-friendly form,
uploaded to the rep's DM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.parsing.export import ExportRequest
from bot.services import Services
from storage import export as rows

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def deliver_export(services: Services, team_id: str, user_id: str, request: ExportRequest) -> list[ExportedFile]:
    """Build each CSV and upload it to the rep's DM with Slack's two-step (v2) file upload."""
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
