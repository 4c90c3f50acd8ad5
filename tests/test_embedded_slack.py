"""The embedded Slack's workspace on its own: what happens to replies, views and their stack, as in Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sandbox import web_api
from bot.sandbox.people import CHANNEL_ID, MAYA, PRIYA, build_workspace

TOKEN = "xoxb-sandbox-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOON = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


@pytest.fixture
def workspace():
    return build_workspace(TOKEN, lambda: NOON)


def call(workspace, method: str, **args) -> dict:
    return web_api.answer(workspace, method, args, AUTH)


def modal(title: str = "Form") -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [{"type": "divider"}]}


def seen(workspace, user: str, channel: str = CHANNEL_ID) -> list[str]:
    return [m.text for m in workspace.visible_to(user, workspace.conversations[channel])]


def test_a_reply_is_ephemeral_unless_it_replaces_deletes_or_goes_in_channel(workspace):
    posted = call(workspace, "chat.postEphemeral", channel=CHANNEL_ID, user=MAYA.id, text="pick one")
    hook = workspace.issue_hook(MAYA.id, CHANNEL_ID, posted["message_ts"])
    assert web_api.respond(workspace, hook, {"text": "a new one"}) == (200, {"ok": True})
    assert seen(workspace, MAYA.id) == ["pick one", "a new one"] and seen(workspace, PRIYA.id) == []
    web_api.respond(workspace, hook, {"text": "picked", "replace_original": True})
    assert seen(workspace, MAYA.id) == ["picked", "a new one"]
    web_api.respond(workspace, hook, {"text": "for everyone", "response_type": "in_channel"})
    assert seen(workspace, PRIYA.id) == ["for everyone"]
    web_api.respond(workspace, hook, {"delete_original": True})
    assert seen(workspace, MAYA.id) == ["a new one", "for everyone"]
    assert web_api.respond(workspace, hook, {"text": "fifth"})[0] == 200
    assert web_api.respond(workspace, hook, {"text": "sixth"}) == (404, {"ok": False, "error": "expired_url"})


def test_a_post_to_a_person_opens_their_dm_and_a_channel_without_the_bot_is_refused(workspace):
    answer = call(workspace, "chat.postMessage", channel=MAYA.id, text="hello")
    assert answer["channel"] == "D0MAYA" and seen(workspace, MAYA.id, "D0MAYA") == ["hello"]
    workspace.add_channel("C0QUIET", "quiet", {MAYA.id})
    assert call(workspace, "chat.postMessage", channel="C0QUIET", text="hi")["error"] == "not_in_channel"
    assert call(workspace, "chat.postEphemeral", channel=CHANNEL_ID, user="U0NOBODY", text="x")["error"] == (
        "user_not_found"
    )


def test_views_stack_update_with_a_hash_and_home_is_per_person(workspace):
    opened = call(workspace, "views.open", trigger_id=workspace.issue_trigger(MAYA.id), view=modal())["view"]
    pushed = call(workspace, "views.push", trigger_id=workspace.issue_trigger(MAYA.id), view=modal("Step 2"))
    assert pushed["view"]["previous_view_id"] == opened["id"] and workspace.top_modal(MAYA.id)["id"] != opened["id"]
    call(workspace, "views.push", trigger_id=workspace.issue_trigger(MAYA.id), view=modal("Step 3"))
    too_deep = call(workspace, "views.push", trigger_id=workspace.issue_trigger(MAYA.id), view=modal("Step 4"))
    assert too_deep["error"] == "push_limit_reached"
    stale = call(workspace, "views.update", view_id=opened["id"], hash="old", view=modal("Changed"))
    assert stale["error"] == "hash_conflict"
    fresh = call(workspace, "views.update", view_id=opened["id"], hash=opened["hash"], view=modal("Changed"))
    assert fresh["view"]["title"]["text"] == "Changed" and fresh["view"]["id"] == opened["id"]
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Yours*"}}]}
    assert call(workspace, "views.publish", user_id=MAYA.id, view=home)["ok"]
    assert MAYA.id in workspace.homes and PRIYA.id not in workspace.homes
    assert call(workspace, "views.publish", user_id=MAYA.id, view=modal())["error"] == "invalid_arguments"


def test_people_have_names_and_their_own_time_zones(workspace):
    user = call(workspace, "users.info", user=PRIYA.id)["user"]
    assert (user["real_name"], user["tz"], user["tz_offset"]) == ("Priya Nair", "Europe/London", 0)
    assert call(workspace, "users.info", user=MAYA.id)["user"]["tz_offset"] == -5 * 3600
    assert call(workspace, "conversations.open", users=MAYA.id)["channel"]["id"] == "D0MAYA"
    assert web_api.answer(workspace, "reactions.add", {}, AUTH)["error"] == "unknown_method"


def test_a_submission_can_push_update_clear_or_show_errors_as_slack_does(workspace):
    from bot.sandbox.visitor import Visitor

    visitor = Visitor(workspace, "http://127.0.0.1:9/slack/events", "secret", lambda token: token)
    first = workspace.open_modal(MAYA.id, modal("Step 1"))
    assert visitor.after_submission(MAYA.id, first["id"], {"response_action": "errors", "errors": {"b": "No"}}) == {
        "errors": {"b": "No"}
    }
    visitor.after_submission(MAYA.id, first["id"], {"response_action": "push", "view": modal("Step 2")})
    assert [v["title"]["text"] for v in workspace.modals[MAYA.id]] == ["Step 1", "Step 2"]
    visitor.close(MAYA.id, workspace.top_modal(MAYA.id)["id"])
    assert workspace.top_modal(MAYA.id)["title"]["text"] == "Step 1", "cancel goes back one view"
    visitor.after_submission(MAYA.id, first["id"], {"response_action": "update", "view": modal("Step 1b")})
    assert workspace.top_modal(MAYA.id)["title"]["text"] == "Step 1b"
    bad = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 30}, "blocks": [{"type": "divider"}]}
    assert "problem" in visitor.after_submission(MAYA.id, first["id"], {"response_action": "update", "view": bad})
    visitor.after_submission(MAYA.id, first["id"], {"response_action": "push", "view": modal("Step 2")})
    visitor.after_submission(MAYA.id, workspace.top_modal(MAYA.id)["id"], {"response_action": "clear"})
    assert workspace.top_modal(MAYA.id) is None, "clear closes the whole stack"
    again = workspace.open_modal(MAYA.id, modal())
    visitor.after_submission(MAYA.id, again["id"], {})
    assert workspace.top_modal(MAYA.id) is None, "an empty ack closes the view"
