"""Who people are, as Slack tells us: managers (MANAGER_IDS and the MANAGER_GROUP user group) and who can no
longer be reached. Each rep's time zone is bot/zones.py's. A leaf: the services are built on it."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

log = logging.getLogger("pipeline_coach.people")

# Slack errors that mean the rep cannot get our DMs: mark them and stop trying (no retries).
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "user_disabled",
        "user_is_restricted",
        "channel_not_found",
        "is_archived",
        "not_allowed_token_type",
        "messages_tab_disabled",
    }
)


# Slack errors that mean the workspace's own token no longer works: the whole workspace is skipped.
TOKEN_FAILURES = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive_team", "team_disabled"}
)


class WorkspaceUnreachable(Exception):
    """The workspace's bot token failed (revoked, expired, invalid): nothing more is tried there this tick."""


class ManagerDirectory:
    """Answers 'is this person a manager?', caching the user group's members for a few minutes."""

    def __init__(self, client: WebClient, manager_ids: frozenset[str], group_id: str | None, ttl: float = 600):
        self.client = client
        self._ids = manager_ids
        self._group = group_id
        self._ttl = ttl
        self._members: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def is_manager(self, user_id: str) -> bool:
        return user_id in self._ids or user_id in self._group_members()

    def all_managers(self) -> frozenset[str]:
        """Everyone who is a manager: MANAGER_IDS and the group's members (for the leaders' digest)."""
        return self._ids | self._group_members()

    def _group_members(self) -> frozenset[str]:
        if not self._group:
            return frozenset()
        with self._lock:
            if time.monotonic() - self._fetched_at < self._ttl:
                return self._members
            try:
                response = self.client.usergroups_users_list(usergroup=self._group)
                self._members = frozenset(response.get("users") or [])
                self._fetched_at = time.monotonic()
            except SlackClientError as error:
                log.warning("could not read manager group %s: %s", self._group, error)
            return self._members


def first_names(client: WebClient, user_ids: list[str], at_most: int) -> dict[str, str]:
    """First names (else display names) of a few people, one users.info each (`at_most` of them: a chart's
    legend); someone Slack won't name is left out."""
    names = {}
    for user_id in user_ids[:at_most]:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackClientError as error:
            log.info("no name for %s (%s)", user_id, error)
            continue
        profile = user.get("profile") or {}
        name = user.get("real_name") or profile.get("real_name") or profile.get("display_name") or user.get("name")
        if name:
            names[user_id] = str(name).split(" ")[0]
    return names
