"""What every handler and job needs, built once at start-up and handed around explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.managers import ManagerDirectory
from bot.settings import Settings
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    client: WebClient
    clock: Callable[[], datetime] = field(default=utc_now)
    # Called with (team_id, user_id) after a rep changes their data; the app points it at the Home tab.
    on_change: Callable[[str, str], None] = field(default=lambda team_id, user_id: None)
    _managers: ManagerDirectory | None = field(default=None, init=False, repr=False)

    @property
    def managers(self) -> ManagerDirectory:
        if self._managers is None:
            settings = self.settings
            self._managers = ManagerDirectory(self.client, settings.manager_ids, settings.manager_group)
        return self._managers

    def changed(self, team_id: str, user_id: str) -> None:
        """A rep's pipeline, time or coaching settings changed: refresh what they see."""
        self.on_change(team_id, user_id)

    def now(self) -> datetime:
        return self.clock()

    def team_today(self) -> date:
        """Today in the team's time zone: what 'this week' and close dates are measured against."""
        return self.now().astimezone(ZoneInfo(self.settings.team_timezone)).date()

    def team_week_start(self) -> datetime:
        """Monday 00:00 of the current week in the team's time zone, as a UTC instant."""
        zone = ZoneInfo(self.settings.team_timezone)
        today = self.now().astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(UTC)
