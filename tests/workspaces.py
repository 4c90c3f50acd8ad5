"""Helpers for the many-workspaces stories: the bot installed by link (OAuth), a workspace installed the
way a person does it (the install page, Slack's consent, the redirect back), and per-workspace drivers."""

from __future__ import annotations

import copy
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import select

from bot.sealed import new_key
from storage.models import Base
from tests.driver import SlackDriver

CLIENT_ID = "1111.2222"
ENCRYPTION_KEY = new_key()  # installing by link keeps each workspace's tokens encrypted with it
OAUTH = {
    "slack_bot_token": None,
    "slack_client_id": CLIENT_ID,
    "slack_client_secret": "client-secret",
    "slack_state_secret": "state-secret",
    "encryption_key": ENCRYPTION_KEY,
}


@dataclass
class Page:
    status: int
    body: str
    headers: dict


def get(url: str, cookie: str | None = None) -> Page:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, response.read().decode(), {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode(), {k.lower(): v for k, v in error.headers.items()})


def site(bot) -> str:
    return bot.driver.events_url.removesuffix("/slack/events")


def start_install(bot) -> tuple[str, str, str]:
    """Open /slack/install: (the consent URL at Slack, the state in it, the browser's state cookie)."""
    page = get(site(bot) + "/slack/install")
    assert page.status == 200, page.body
    consent = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body).group(1)
    state = re.search(r"state=([^&]+)", consent).group(1)
    cookie = page.headers["set-cookie"].split(";")[0]
    return consent.replace("&amp;", "&"), state, cookie


def install(bot, team_id: str, **grant) -> SlackDriver:
    """A person in `team_id` installs the app by link; returns a driver speaking for that workspace."""
    workspace = bot.slack.add_workspace(team_id, **grant)
    _, state, cookie = start_install(bot)
    finished = get(f"{site(bot)}/slack/oauth_redirect?code={workspace.code}&state={state}", cookie)
    assert finished.status == 200, finished.body
    return driver_for(bot, team_id)


def driver_for(bot, team_id: str) -> SlackDriver:
    """The bot's own driver (HTTP or Socket Mode), speaking for another workspace."""
    driver = copy.copy(bot.driver)
    driver.team_id = team_id
    return driver


def token_of(call) -> str:
    return call.headers.get("Authorization", "").removeprefix("Bearer ")


def posts_to(bot, channel: str) -> list:
    return [call for call in bot.slack.of("chat.postMessage") if call.args.get("channel") == channel]


def rows_naming(db, team_id: str, user_id: str) -> list[tuple[str, str, object]]:
    """Every (table, column, value) in the workspace's rows that is, or mentions, the person."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "team_id" not in table.c:
                continue
            for row in connection.execute(select(table).where(table.c.team_id == team_id)).mappings():
                for column, value in row.items():
                    if value == user_id or (isinstance(value, str) and f"<@{user_id}>" in value):
                        found.append((table.name, column, value))
    return found
