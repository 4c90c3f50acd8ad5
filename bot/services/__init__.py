"""The domain services, one module per feature (pipeline, selling_time, health, coach, home, team, export),
and `Services`: what every service and job needs, built once at start-up and handed around explicitly.

A service owns its feature's writes (one transaction per user action) and signals "this rep's data
changed" through `Services.changed`, which the app points at the Home tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypeVar

from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.people import ManagerDirectory
from bot.rules.periods import first_weekday, local_now, week_start_at
from bot.settings import Settings
from storage.db import Database, DatabaseUnavailable

if TYPE_CHECKING:
    from bot.installations import Installations


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What every service and job needs. The app's own instance is unscoped; `for_team(team_id)` gives the
    one a request or a job in that workspace uses: its effective settings (environment defaults under
    what the workspace's admins chose) and a Web API client holding that workspace's token."""

    settings: Settings
    db: Database
    client: WebClient
    clock: Callable[[], datetime] = field(default=utc_now)
    # Called with (team_id, user_id) after a rep changes their data; the app points it at the Home tab.
    on_change: Callable[[str, str], None] = field(default=lambda team_id, user_id: None)
    # How a workspace's token is found (OAuth installs); None: every workspace uses `client` (SLACK_BOT_TOKEN).
    installations: Installations | None = None
    team_id: str | None = None
    _shared: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._shared["defaults"] = self.settings  # the environment's settings: every workspace's defaults

    @property
    def defaults(self) -> Settings:
        """The environment's settings, which every workspace starts from."""
        return self._shared["defaults"]

    def for_team(self, team_id: str, client: WebClient | None = None) -> Services:
        """These services as seen from one workspace: its settings, its token (or `client`, the one Bolt
        authorised a request with), its manager directory."""
        if self.team_id == team_id and client is None:
            return self
        client = client or self.client_for(team_id)
        scoped = replace(self, settings=self.settings_for(team_id), client=client, team_id=team_id)
        scoped._shared = self._shared
        return scoped

    def settings_for(self, team_id: str) -> Settings:
        """The one road to a workspace's settings (bot/services/workspace_settings.py)."""
        from bot.services import workspace_settings

        return workspace_settings.effective(self, team_id)

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client holding this workspace's bot token (raises NotInstalled in OAuth mode)."""
        if self.installations is None:
            return self.client
        return self.installations.client_for(team_id)

    @property
    def managers(self) -> ManagerDirectory:
        """This workspace's managers: its own ids or user group, read with its own token."""
        settings = self.settings
        key = (self.team_id, settings.manager_ids, settings.manager_group, self.client.token)
        directories = self.shared("managers")
        if key not in directories:  # a new token (rotated) or new choices start a fresh directory
            directories[key] = ManagerDirectory(self.client, settings.manager_ids, settings.manager_group)
        return directories[key]

    def shared(self, name: str) -> dict:
        """A cache every scoped copy of these services shares (keyed by workspace where it matters)."""
        return self._shared.setdefault(name, {})

    def changed(self, team_id: str, user_id: str) -> None:
        """A rep's pipeline, time or coaching settings changed: refresh what they see."""
        self.on_change(team_id, user_id)

    def now(self) -> datetime:
        return self.clock()

    def team_now(self) -> datetime:
        """Now in the team's time zone: what the views read 'today' and the day of a past moment in."""
        return local_now(self.now(), self.settings.team_timezone)

    def team_today(self) -> date:
        """Today in the team's time zone: what 'this week' and close dates are measured against."""
        return self.team_now().date()

    def team_week_start(self) -> datetime:
        """00:00 on the first day of the current week (WEEK_START_DAY) in the team's zone, as a UTC instant."""
        return week_start_at(self.now(), self.settings.team_timezone, first_weekday(self.settings.week_start_day))


T = TypeVar("T")


class NotStored(Exception):
    """The database failed and the entry is not there: nothing was saved (true, because we checked)."""


class Unsure(Exception):
    """The database failed mid-save and could not be asked again: the entry may or may not be there."""


def stored_once(
    key: str | None, write: Callable[[], T], earlier: Callable[[], T | None], look_first: bool = True
) -> tuple[T, bool]:
    """Store an entry at most once per Slack request (`key`), and say truly what happened when the
    database fails: (what is stored, whether this call stored it), or NotStored, or Unsure.

    A request replayed (a double submit, a retried delivery) finds what it stored the first time.
    When the write fails part-way (the COMMIT's reply lost, a timeout), the key is looked up again to
    learn whether it committed before anything is said to the rep. `look_first=False` skips the lookup
    before the write (one transaction less before the ack) for a write that always inserts its keyed
    row under a unique index: a replay fails on that row, rolls back whole and finds the first one.
    """
    try:
        found = earlier() if key and look_first else None
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
    except DatabaseUnavailable as failure:
        if not key:
            raise Unsure from None
        if not failure.reached:  # not one statement was sent: nothing of it can be there
            raise NotStored from None
        try:
            found = earlier()
        except DatabaseUnavailable:
            raise Unsure from None
        if found is None:
            raise NotStored from None
        return found, True
