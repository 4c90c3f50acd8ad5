"""What the embedded Slack keeps: people, messages, conversations, response URLs and trigger ids."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo


@dataclass
class Person:
    id: str
    name: str  # the handle, as in @maya
    real_name: str
    tz: str
    title: str = ""
    is_bot: bool = False
    deleted: bool = False

    def as_slack(self, team_id: str, now: datetime) -> dict:
        offset = now.astimezone(ZoneInfo(self.tz)).utcoffset()
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "tz_label": self.tz.replace("_", " "),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {"real_name": self.real_name, "display_name": self.name, "title": self.title},
        }


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict] = field(default_factory=list)
    only_for: str | None = None  # an ephemeral message: the one person who sees it
    files: list[dict] = field(default_factory=list)
    metadata: dict | None = None  # Slack's message metadata (event_type, event_payload), as the app sent it

    def as_slack(self) -> dict:
        found = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text, "blocks": self.blocks}
        if self.files:
            found["files"] = self.files
        if self.metadata:
            found["metadata"] = self.metadata
        return found


@dataclass
class Conversation:
    id: str
    name: str
    members: set[str]
    is_im: bool = False
    is_archived: bool = False
    messages: list[Message] = field(default_factory=list)


@dataclass
class Grant:
    """What Slack hands out to be used a few times within a while: a trigger_id, a response_url."""

    user: str
    issued: float = field(default_factory=time.monotonic)
    uses: int = 0
    MAX_USES: ClassVar[int] = 1
    SECONDS: ClassVar[float] = 3.0

    def spend(self) -> bool:
        """Use it once, if it still works."""
        if self.uses >= self.MAX_USES or time.monotonic() - self.issued > self.SECONDS:
            return False
        self.uses += 1
        return True


@dataclass
class Trigger(Grant):
    """Slack: a trigger_id works once, within 3 seconds."""


@dataclass
class Hook(Grant):
    """A response_url (Slack: up to 5 times within 30 minutes): who it answers, where, and (for a click)
    the message it came from."""

    channel: str = ""
    message_ts: str | None = None
    MAX_USES: ClassVar[int] = 5
    SECONDS: ClassVar[float] = 30 * 60
