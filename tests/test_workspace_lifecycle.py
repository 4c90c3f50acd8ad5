"""When a workspace removes the app, everything for it stops at once and its data stays; when Slack
sends a request from it again, the app was reinstalled and coaching resumes."""

from __future__ import annotations

import time

from storage import workspaces
from tests.waiting import wait_until


def test_revoking_the_bots_token_stops_the_workspace(bot):
    bot.driver.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    wait_until(lambda: "T1" in workspaces.uninstalled_teams(bot.db))
    assert "T1" in workspaces.uninstalled_teams(bot.db)


def test_a_rep_revoking_their_own_token_changes_nothing(bot):
    assert bot.driver.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}).status == 200
    time.sleep(0.3)
    assert workspaces.uninstalled_teams(bot.db) == set()


def test_a_request_from_a_removed_workspace_means_it_is_back(bot):
    bot.driver.event({"type": "app_uninstalled"})
    wait_until(lambda: "T1" in workspaces.uninstalled_teams(bot.db))
    bot.command("new Acme renewal")
    assert "Opened #1" in bot.last_reply()["text"]
    # noted off the request's thread, so a slow database never delays the acknowledgement
    wait_until(lambda: workspaces.uninstalled_teams(bot.db) == set())
    assert workspaces.uninstalled_teams(bot.db) == set()


def test_another_workspace_is_untouched(bot):
    bot.driver.event({"type": "app_uninstalled"}, team="T2")
    wait_until(lambda: "T2" in workspaces.uninstalled_teams(bot.db))
    bot.command("new Acme renewal")
    assert "Opened #1" in bot.last_reply()["text"]
    assert workspaces.uninstalled_teams(bot.db) == {"T2"}
