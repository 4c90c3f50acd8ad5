"""The files an outbox claim began uploading (Slack's file ids), kept in its payload beside the chart it
draws: a claim resumed after a crash looks for these in the DM before uploading again (bot/uploads.py)."""

from __future__ import annotations

import json

from storage.db import Database
from storage.models import ScheduledMessage


def note_file(db: Database, claim_id: int, file_id: str) -> None:
    """Remember that this claim's upload got `file_id` from Slack (before the bytes are sent)."""
    with db.transaction() as session:
        row = session.get(ScheduledMessage, claim_id)
        if row is None:
            return
        payload = json.loads(row.payload)
        payload["file_ids"] = [*payload.get("file_ids", []), file_id][-10:]
        row.payload = json.dumps(payload)


def noted_files(db: Database, claim_id: int) -> list[str]:
    """Every file id this claim's uploads were given, oldest first."""
    with db.transaction() as session:
        row = session.get(ScheduledMessage, claim_id)
        return list(json.loads(row.payload).get("file_ids", [])) if row is not None else []
