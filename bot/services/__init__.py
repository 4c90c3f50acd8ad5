"""The domain services, one module per feature (pipeline, selling_time, health, coach, home, team, export),
and `Services`: what every service and job needs, built once at start-up and handed around explicitly.

A service owns its feature's writes (one transaction per user action) and signals "this rep's data
changed" through `Services.changed`, which the app points at the Home tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.people import ManagerDirectory
from bot.rules.periods import local_now, week_start_at
from bot.settings import Settings
from storage.db import Database, DatabaseUnavailable


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
        return local_now(self.now(), self.settings.team_timezone).date()

    def team_week_start(self) -> datetime:
        """Monday 00:00 of the current week in the team's time zone, as a UTC instant."""
        return week_start_at(self.now(), self.settings.team_timezone)


T = TypeVar("T")


class NotStored(Exception):
    """The database failed and the entry is not there: nothing was saved (true, because we checked)."""


class Unsure(Exception):
    """The database failed mid-save and could not be asked again: the entry may or may not be there."""


def stored_once(key: str | None, write: Callable[[], T], earlier: Callable[[], T | None]) -> tuple[T, bool]:
    """Store an entry at most once per Slack request (`key`), and say truly what happened when the
    database fails: (what is stored, whether this call stored it), or NotStored, or Unsure.

    A request replayed (a double submit, a retried delivery) finds what it stored the first time.
    When the write fails part-way (the COMMIT's reply lost, a timeout), the key is looked up again to
    learn whether it committed before anything is said to the rep.
    """
    try:
        found = earlier() if key else None
    except DatabaseUnavailable:
        raise NotStored from None
    if found is not None:
        return found, False
    try:
        return write(), True
    except IntegrityError:  # the same request, stored a moment ago by another thread or process
        found = earlier() if key else None
        if found is None:
            raise
        return found, False
    except DatabaseUnavailable:
        if not key:
            raise Unsure from None
        try:
            found = earlier()
        except DatabaseUnavailable:
            raise Unsure from None
        if found is None:
            raise NotStored from None
        return found, True
