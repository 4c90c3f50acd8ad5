"""Two workspaces installed by link, set up differently from Slack (channel, time zone, managers, the
coach's thresholds) and used by people with the same user ids: each sees only its own deals, celebrates in
its own channel, gets its digest and nudges with its own token and settings; uninstalling one stops its
jobs at once and leaves the other untouched."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from bot.jobs import JOBS
from storage import workspaces
from tests.driver import typed
from tests.workspaces import OAUTH, install, posts_to, token_of

# Installing by link is HTTP mode's: Slack redirects a browser to /slack/install and /slack/oauth_redirect.
pytestmark = pytest.mark.http_only

LAST_WEDNESDAY = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
TOKYO_MONDAY_10 = datetime(2026, 11, 23, 1, 5, tzinfo=UTC)  # Monday 10:05 in Tokyo, 01:05 in London
LONDON_MONDAY_9 = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


@pytest.fixture
def two(make_bot):
    """T1 with the environment's defaults (celebrations in CWINS, UTC); T2 set up by its admin U9."""
    bot = make_bot(**OAUTH)
    first, second = install(bot, "T1"), install(bot, "T2")
    bot.slack.admins.add("U9")
    set_up(bot, second, {
        "celebration_channel": {"type": "conversations_select", "selected_conversation": "CTOKYO"},
        "manager_ids": {"type": "multi_users_select", "selected_users": ["U2"]},
        "team_timezone": typed("Asia/Tokyo"),
        "digest_slot": typed("mon 10:00"),
        "nudge_min_hours": typed("100"),
    })  # fmt: skip
    bot.slack.reset_calls()
    return bot, first, second


def set_up(bot, driver, values: dict) -> None:
    before = len(bot.slack.of("views.open"))
    assert driver.command("/opportunity", "admin", user="U9").status == 200
    view = bot.slack.wait_for("views.open", before + 1)[-1].args["view"]
    reply = driver.submit(view, values, user="U9")
    assert reply.status == 200 and not reply.body, reply.body


def say(bot, driver, text: str, user: str = "U1", command: str = "/opportunity") -> None:
    before = len(bot.slack.of("response_url"))
    assert driver.command(command, text, user=user).status == 200
    bot.slack.wait_for("response_url", before + 1)


def test_each_workspace_sees_only_its_own_deals(two):
    bot, first, second = two
    say(bot, first, "new Acme renewal 48k")
    say(bot, second, "new Tokyo Trading 9k")
    say(bot, second, "list")
    listed = json.dumps(bot.slack.of("response_url")[-1].args)
    assert "Tokyo Trading" in listed and "Acme" not in listed


def test_celebrations_go_to_each_workspaces_own_channel_with_its_own_token(two):
    bot, first, second = two
    say(bot, first, "new Acme renewal")
    say(bot, second, "new Tokyo Trading")
    bot.slack.wait_for("chat.postMessage", channel="CWINS", timeout=30)  # the poster waits out the people typing
    bot.slack.wait_for("chat.postMessage", channel="CTOKYO", timeout=30)
    bot.slack.settle()
    [london] = posts_to(bot, "CWINS")
    [tokyo] = posts_to(bot, "CTOKYO")
    assert token_of(london) == "xoxb-T1-1" and "Acme" in json.dumps(london.args)
    assert token_of(tokyo) == "xoxb-T2-1" and "Tokyo Trading" in json.dumps(tokyo.args)


def test_the_bot_joins_the_public_channel_an_admin_picked(make_bot):
    bot = make_bot(**OAUTH)
    driver = install(bot, "T2")
    bot.slack.admins.add("U9")
    set_up(bot, driver, {"celebration_channel": {"type": "conversations_select", "selected_conversation": "CNEW"}})
    [join] = bot.slack.wait_for("conversations.join")
    assert join.args["channel"] == "CNEW" and token_of(join) == "xoxb-T2-1"


def test_managers_are_each_workspaces_own(two):
    bot, first, second = two
    say(bot, second, "team", user="U2")
    assert "is for managers" not in bot.slack.of("response_url")[-1].args["text"]
    say(bot, first, "team", user="U2")
    assert "The team view is for managers" in bot.slack.of("response_url")[-1].args["text"]


def test_each_digest_posts_at_its_own_local_slot_in_its_own_channel(two):
    bot, first, second = two
    bot.clock.set(LAST_WEDNESDAY)
    say(bot, first, "new Acme renewal")
    say(bot, second, "new Tokyo Trading")
    bot.slack.reset_calls()

    JOBS["digest"].run(bot.services, TOKYO_MONDAY_10)
    assert posts_to(bot, "CWINS") == [], "09:00 has not come in London yet"
    [tokyo] = posts_to(bot, "CTOKYO")
    assert token_of(tokyo) == "xoxb-T2-1"
    assert "Tokyo Trading" in json.dumps(tokyo.args) and "Acme" not in json.dumps(tokyo.args)

    JOBS["digest"].run(bot.services, LONDON_MONDAY_9)
    [london] = posts_to(bot, "CWINS")
    assert token_of(london) == "xoxb-T1-1"
    assert "Acme" in json.dumps(london.args) and "Tokyo" not in json.dumps(london.args)
    assert len(posts_to(bot, "CTOKYO")) == 1


def concentrated(bot, driver) -> None:
    """Seven of eight logged hours on one deal, for the same rep id in either workspace."""
    say(bot, driver, "new Acme renewal 48k")
    say(bot, driver, "new Beta pilot 12k")
    say(bot, driver, "log acme 4h")
    say(bot, driver, "log acme 3h yesterday")
    say(bot, driver, "10 calls 1h", command="/prospect")


def test_nudges_follow_each_workspaces_thresholds_and_token(two):
    bot, first, second = two
    concentrated(bot, first)
    concentrated(bot, second)  # T2 only nudges after 100 logged hours
    bot.slack.reset_calls()
    report = JOBS["nudges"].run(bot.services, bot.clock())
    assert report.sent == 1
    [nudge] = [call for call in bot.slack.of("chat.postMessage") if call.args["channel"] == "U1"]
    assert token_of(nudge) == "xoxb-T1-1"
    assert {token_of(call) for call in bot.slack.of("users.info")} == {"xoxb-T1-1"}


def test_uninstalling_one_workspace_stops_its_jobs_and_leaves_the_other(two):
    bot, first, second = two
    bot.clock.set(LAST_WEDNESDAY)
    say(bot, first, "new Acme renewal")
    say(bot, second, "new Tokyo Trading")
    bot.slack.wait_for("chat.postMessage", channel="CWINS", timeout=30)  # Acme's celebration, before the jobs
    second.event({"type": "app_uninstalled"})
    deadline = time.monotonic() + 5
    while "T2" not in workspaces.uninstalled_teams(bot.db) and time.monotonic() < deadline:
        time.sleep(0.05)
    bot.slack.reset_calls()

    for at in (TOKYO_MONDAY_10, LONDON_MONDAY_9):
        for job in JOBS:
            JOBS[job].run(bot.services, at)
    assert posts_to(bot, "CTOKYO") == []
    assert not [call for call in bot.slack.calls if token_of(call).startswith("xoxb-T2")]
    assert [token_of(call) for call in posts_to(bot, "CWINS")] == ["xoxb-T1-1"]


def test_a_workspace_whose_token_fails_is_skipped_with_one_line(two, caplog):
    bot, first, second = two
    concentrated(bot, first)
    concentrated(bot, second)
    bot.slack.reset_calls()
    bot.slack.always("chat.postMessage", lambda args: {"ok": False, "error": "invalid_auth"})
    bot.slack.always("users.info", lambda args: {"ok": False, "error": "invalid_auth"})
    with caplog.at_level("WARNING"):
        report = JOBS["nudges"].run(bot.services, bot.clock())
    assert report.outcomes["workspaces skipped"] == 1
    lines = [record.getMessage() for record in caplog.records if "T1" in record.getMessage()]
    assert len(lines) == 1 and "invalid_auth" in lines[0]
