"""Who counts as a manager: listed in MANAGER_IDS, or a member of the MANAGER_GROUP user group."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

log = logging.getLogger(__name__)


class ManagerDirectory:
    """Answers 'is this person a manager?', caching the user group's members for a few minutes."""

    def __init__(self, client: WebClient, manager_ids: frozenset[str], group_id: str | None, ttl: float = 600):
        self._client = client
        self._ids = manager_ids
        self._group = group_id
        self._ttl = ttl
        self._members: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def is_manager(self, user_id: str) -> bool:
        return user_id in self._ids or user_id in self._group_members()

    def _group_members(self) -> frozenset[str]:
        if not self._group:
            return frozenset()
        with self._lock:
            if time.monotonic() - self._fetched_at < self._ttl:
                return self._members
            try:
                response = self._client.usergroups_users_list(usergroup=self._group)
                self._members = frozenset(response.get("users") or [])
                self._fetched_at = time.monotonic()
            except SlackClientError as error:
                log.warning("could not read manager group %s: %s", self._group, error)
            return self._members
