"""A workspace admin sets Pipeline Coach up from Slack (`/opportunity admin`): the change applies to the
next request, without a restart; a non-admin sees none of it; what doesn't read is pointed out beside
its field; a private channel gets a request to be invited."""

from __future__ import annotations

import json
import threading
import time

import pytest

from bot.services.health import health_window
from tests.driver import chosen, typed
from tests.waiting import wait_until


@pytest.fixture
def admin_bot(bot):
    bot.slack.admins.add("U9")
    return bot


def open_settings(bot, user: str = "U9"):
    before = len(bot.slack.of("views.open"))
    assert bot.command("admin", user=user).status == 200
    return bot.slack.wait_for("views.open", before + 1)[-1].args["view"]


def picked_channel(channel: str) -> dict:
    return {"type": "conversations_select", "selected_conversation": channel}


def test_a_non_admin_sees_none_of_it(admin_bot):
    admin_bot.command("admin", user="U1")
    assert "for this workspace's admins" in admin_bot.last_reply()["text"]
    admin_bot.slack.settle()
    assert admin_bot.slack.of("views.open") == []


def test_the_form_shows_what_is_in_force(admin_bot):
    view = open_settings(admin_bot)
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks["celebration_channel"]["element"]["initial_conversation"] == "CWINS"
    assert blocks["team_timezone"]["element"]["initial_value"] == "UTC"
    assert blocks["nudge_top_share"]["element"]["initial_value"] == "60"


def test_a_new_channel_and_zone_apply_to_the_next_request(admin_bot):
    view = open_settings(admin_bot)
    reply = admin_bot.driver.submit(
        view, {"celebration_channel": picked_channel("CNEWS"), "team_timezone": typed("Asia/Tokyo")}, user="U9"
    )
    assert reply.status == 200 and not reply.body
    [confirmation] = [c for c in admin_bot.slack.wait_for("chat.postMessage") if c.args["channel"] == "U9"]
    assert "<#CNEWS>" in confirmation.args["text"] and "Asia/Tokyo" in confirmation.args["text"]

    admin_bot.command("new Acme renewal")
    admin_bot.last_reply()
    posts = [c for c in admin_bot.slack.wait_for("chat.postMessage", 2) if c.args["channel"] != "U9"]
    assert [post.args["channel"] for post in posts] == ["CNEWS"]
    assert admin_bot.services.settings_for("T1").team_timezone == "Asia/Tokyo"
    assert admin_bot.services.settings_for("T2").team_timezone == "UTC", "another workspace keeps the defaults"


def test_what_does_not_read_is_pointed_out_beside_its_field(admin_bot):
    view = open_settings(admin_bot)
    reply = admin_bot.driver.submit(
        view, {"team_timezone": typed("Mars/Olympus"), "nudge_cooldown_days": typed("soon")}, user="U9"
    )
    errors = reply.json["errors"]
    assert reply.json["response_action"] == "errors"
    assert set(errors) == {"nudge_cooldown_days"}
    reply = admin_bot.driver.submit(view, {"team_timezone": typed("Mars/Olympus")}, user="U9")
    assert "IANA time zone" in reply.json["errors"]["team_timezone"]
    assert admin_bot.services.settings_for("T1").team_timezone == "UTC"


def test_a_private_channel_asks_to_be_invited(admin_bot):
    admin_bot.slack.always(
        "conversations.join", lambda args: {"ok": False, "error": "method_not_supported_for_channel_type"}
    )
    view = open_settings(admin_bot)
    admin_bot.driver.submit(view, {"celebration_channel": picked_channel("GSECRET")}, user="U9")
    [confirmation] = [c for c in admin_bot.slack.wait_for("chat.postMessage") if c.args["channel"] == "U9"]
    assert "/invite @Pipeline Coach" in confirmation.args["text"]


def test_an_admin_group_makes_its_members_admins(bot):
    bot.slack.always("usergroups.list", lambda args: {"ok": True, "usergroups": [{"id": "SADMINS", "handle": "ops"}]})
    bot.slack.always(
        "usergroups.users.list",
        lambda args: {"ok": True, "users": ["U5"] if args.get("usergroup") == "SADMINS" else []},
    )
    bot.slack.admins.add("U9")
    view = open_settings(bot)
    assert "@ops" in json.dumps(view)
    bot.driver.submit(view, {"admin_group": chosen("SADMINS")}, user="U9")
    bot.slack.wait_for("chat.postMessage")
    assert open_settings(bot, user="U5")["callback_id"] == "workspace_admin"


def test_a_week_that_starts_on_sunday_counts_from_sunday(admin_bot, clock):
    view = open_settings(admin_bot)
    admin_bot.driver.submit(view, {"week_start_day": chosen("sun")}, user="U9")
    admin_bot.slack.wait_for("chat.postMessage")
    services = admin_bot.services.for_team("T1")
    assert services.team_week_start().strftime("%a") == "Sun"
    assert health_window(services).week_starts[0].strftime("%a") == "Sun", "the health report's weeks too"


def home_of(bot, user: str) -> dict:
    before = len(bot.slack.of("views.publish"))
    bot.driver.open_home(user)
    return [c for c in bot.slack.wait_for("views.publish", before + 1) if c.args["user_id"] == user][-1].args["view"]


def test_the_home_tab_has_an_admin_section_for_admins_only(admin_bot):
    assert "home_workspace_settings" not in json.dumps(home_of(admin_bot, "U1"))
    home = home_of(admin_bot, "U9")
    assert "home_workspace_settings" in json.dumps(home)
    admin_bot.driver.click({"action_id": "home_workspace_settings", "value": ""}, user="U9", view=home)
    [opened] = admin_bot.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "workspace_admin"


def test_a_forged_click_on_the_admin_button_opens_nothing(admin_bot):
    admin_bot.driver.click({"action_id": "home_workspace_settings", "value": ""}, user="U1", view={"id": "V1"})
    [told] = admin_bot.slack.wait_for("chat.postMessage")
    assert "admins" in told.args["text"]
    assert admin_bot.slack.of("views.open") == []


def slow_reads(monkeypatch):
    """The stored choices, read slowly (a busy database) and counted: `release` lets each read finish."""
    from bot.services import workspace_settings

    reads, release = [], threading.Event()

    def chosen(_db, team_id):
        reads.append(team_id)
        release.wait(5)
        return {"celebration_channel": "CNEWS"}

    monkeypatch.setattr(workspace_settings.store, "chosen", chosen)
    monkeypatch.setattr(workspace_settings, "CACHE_SECONDS", 0.0)  # every value is already old
    return reads, release


def test_a_burst_finds_old_settings_answered_from_memory_while_one_read_refreshes_them(bot, monkeypatch):
    services = bot.services
    before = services.settings_for("T1")
    reads, release = slow_reads(monkeypatch)

    started = time.monotonic()
    seen = [services.settings_for("T1") for _ in range(20)]
    assert time.monotonic() - started < 0.5 and all(settings is before for settings in seen)
    assert wait_until(lambda: reads)
    time.sleep(0.1)
    assert reads == ["T1"]  # one read in the background, not one per request
    release.set()
    assert wait_until(lambda: services.settings_for("T1").celebration_channel == "CNEWS")


def test_a_save_while_settings_are_being_read_again_is_not_undone_by_that_read(bot, monkeypatch):
    from bot.services import workspace_settings

    services = bot.services
    services.settings_for("T1")
    reads, release = slow_reads(monkeypatch)
    services.settings_for("T1")  # starts the background read
    assert wait_until(lambda: reads == ["T1"])
    workspace_settings.forget(services, "T1")  # what an admin's save does
    release.set()
    key = (id(services.shared("settings")), "T1")
    assert wait_until(lambda: key not in workspace_settings._rereading)
    assert "T1" not in services.shared("settings")  # the read begun before the save was dropped
