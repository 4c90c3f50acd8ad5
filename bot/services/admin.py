"""A workspace's admins set it up from Slack (`/opportunity admin`): the celebration channel, managers,
time zone, week start, quota period, digest slot, working-hour defaults and the coach's thresholds.

Who is an admin is Slack's own answer (users.info: is_admin, is_owner, is_primary_owner) or membership of
the workspace's ADMIN_GROUP; a non-admin sees none of it. Saved choices take effect at once
(bot/services/workspace_settings.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import Services, workspace_settings
from bot.settings import Settings

log = logging.getLogger("pipeline_coach.admin")
ADMIN_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Group:
    id: str
    name: str


@dataclass(frozen=True)
class Saved:
    settings: Settings
    new_channel: str | None  # a celebration channel just picked: the bot must make sure it is in it


def is_admin(services: Services, team_id: str, user_id: str) -> bool:
    """Slack's admin and owner flags, or ADMIN_GROUP; asked at most every few minutes per person."""
    cache = services.shared("admins")
    found = cache.get((team_id, user_id))
    if found is not None and time.monotonic() - found[0] < ADMIN_CACHE_SECONDS:
        return found[1]
    answer = _slack_says_admin(services, user_id) or _in_admin_group(services, user_id)
    cache[(team_id, user_id)] = (time.monotonic(), answer)
    return answer


def known_admin(services: Services, team_id: str, user_id: str) -> bool:
    """What `is_admin` last answered (no Slack call): False when it was never asked."""
    found = services.shared("admins").get((team_id, user_id))
    return bool(found and found[1])


def _slack_says_admin(services: Services, user_id: str) -> bool:
    try:
        user = services.client.users_info(user=user_id).get("user") or {}
    except SlackClientError as error:
        log.warning("users.info for %s failed while checking admin rights: %s", user_id, error)
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def _in_admin_group(services: Services, user_id: str) -> bool:
    group = services.settings.admin_group
    if not group:
        return False
    try:
        members = services.client.usergroups_users_list(usergroup=group).get("users") or []
    except SlackClientError as error:
        log.warning("could not read admin group %s: %s", group, error)
        return False
    return user_id in members


def user_groups(services: Services) -> list[Group]:
    """The workspace's user groups, for the managers' and admins' pickers (none when Slack won't say)."""
    try:
        found = services.client.usergroups_list().get("usergroups") or []
    except SlackClientError as error:
        log.info("usergroups.list failed (%s); the group pickers are left out", error)
        return []
    return [Group(str(item["id"]), str(item.get("handle") or item.get("name") or item["id"])) for item in found][:100]


def save(services: Services, team_id: str, user_id: str, changes: dict) -> Saved:
    """Store the admin's choices (InvalidSettings names each field that does not read). A newly picked
    celebration channel is returned so the caller joins it (`join_channel`) after acknowledging Slack."""
    before = services.settings.celebration_channel
    settings = workspace_settings.save(services, team_id, changes, user_id)
    services.shared("admins").clear()  # ADMIN_GROUP may have changed
    channel = settings.celebration_channel
    return Saved(settings, channel if channel and channel != before else None)


def join_channel(services: Services, channel: str | None) -> str | None:
    """None when the bot is in the channel (it joins a public one itself); else one line saying what the
    admin needs to do (a private channel must invite it)."""
    if not channel:
        return None
    try:
        services.client.conversations_join(channel=channel)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        log.info("conversations.join %s: %s", channel, code)
        if code in ("method_not_supported_for_channel_type", "channel_not_found"):
            return (
                f"<#{channel}> is private, so I can't join it myself: invite me there with `/invite @Pipeline Coach`."
            )
        if code == "is_archived":
            return f"<#{channel}> is archived: pick another channel for celebrations."
        if code == "missing_scope":
            return f"I need the channels:join permission to join <#{channel}>: reinstall the app, or invite me there."
        return f"I couldn't join <#{channel}> just now: invite me there with `/invite @Pipeline Coach`."
    except SlackClientError as error:
        log.warning("conversations.join %s failed: %s", channel, error)
        return f"I couldn't join <#{channel}> just now: invite me there with `/invite @Pipeline Coach`."
    return None
