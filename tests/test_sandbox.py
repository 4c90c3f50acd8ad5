"""The sandbox: a visitor uses the real bot through the page's requests, with the embedded Slack in
between. Module-scoped: one sandbox with the demo team plays the whole story in order."""

from __future__ import annotations

import time
import urllib.request

from bot.sandbox import runner, web_api
from bot.sandbox.people import CHANNEL_ID, DANA, JONAS, MAYA, PRIYA
from tests.sandbox_corpus import payloads, types_in
from tests.sandbox_fixtures import messages_in, page_call, sandbox, seen_by, supported, wait_until

__all__ = ["sandbox"]  # the fixture


def say(sandbox, text: str, user: str = MAYA.id, channel: str = CHANNEL_ID) -> dict:
    return page_call(sandbox, "/sandbox/command", {"user": user, "channel": channel, "text": text})


def dm(user: str) -> str:
    return "D" + user.removeprefix("U")


def latest(sandbox, needle: str, user: str = MAYA.id, channel: str = CHANNEL_ID) -> dict:
    def found():
        for message in reversed(messages_in(seen_by(sandbox, user), channel)):
            if needle in message["text"]:
                return message
        return None

    return wait_until(found, what=f"a message with {needle!r}")


def test_the_demo_team_has_a_fortnight_behind_it(sandbox):
    channel = messages_in(seen_by(sandbox, DANA.id))
    texts = " ".join(message["text"] for message in channel)
    for person in (MAYA, PRIYA, JONAS):
        assert f"<@{person.id}> opened a new opportunity" in texts
    assert "won *Hooli pilot*" in texts
    assert any(message["text"].startswith("Last week:") for message in channel), "last Monday's digest"
    reflection = latest(sandbox, "weekly reflection", channel=dm(MAYA.id))
    assert reflection["blocks"][0]["accessory"]["text"]["text"] == "Answer"


def test_an_opportunity_is_celebrated_for_all_and_confirmed_only_to_its_owner(sandbox):
    assert say(sandbox, "/opportunity new Acme 40k") == {"ok": True, "error": None}
    celebration = latest(sandbox, "*Acme*", user=PRIYA.id)
    assert celebration["ephemeral"] is False and f"<@{MAYA.id}>" in celebration["text"]
    mine = wait_until(lambda: [m for m in messages_in(seen_by(sandbox)) if m["ephemeral"]], what="the reply")
    assert "Acme" in mine[-1]["text"]
    assert not [m for m in messages_in(seen_by(sandbox, PRIYA.id)) if m["ephemeral"]], "ephemeral means only Maya"


def test_the_form_shows_a_missing_name_beside_the_field_and_cancel_closes_it(sandbox):
    say(sandbox, "/opportunity")
    modal = wait_until(lambda: seen_by(sandbox)["modal"], what="the form")
    assert modal["callback_id"] == "opportunity_new"
    answer = page_call(sandbox, "/sandbox/submit", {"user": MAYA.id, "view_id": modal["id"], "state": {}})
    assert "name" in answer["errors"]
    assert seen_by(sandbox)["modal"]["id"] == modal["id"], "errors keep the form open"
    page_call(sandbox, "/sandbox/close", {"user": MAYA.id, "view_id": modal["id"]})
    assert seen_by(sandbox)["modal"] is None


def test_a_nudge_arrives_on_the_next_working_morning_and_snooze_works(sandbox):
    say(sandbox, "/opportunity log acme 7h proposal prep")
    wait_until(lambda: any("Logged 7h" in m["text"] for m in messages_in(seen_by(sandbox))), what="the log reply")
    answer = page_call(sandbox, "/sandbox/clock", {"user": MAYA.id, "jump": "morning"})
    assert answer["now"] == "2026-11-23T14:00:00+00:00", "Monday 09:00 in New York"
    assert "Maya got a nudge." in answer["jobs"]
    buttons_of = lambda message: [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]  # noqa: E731
    nudge = next(m for m in reversed(messages_in(seen_by(sandbox), dm(MAYA.id))) if "Snooze a week" in str(m))
    snooze = next(button for button in buttons_of(nudge) if button["text"]["text"] == "Snooze a week")
    where = {"type": "message", "channel": dm(MAYA.id), "ts": nudge["ts"]}
    action = {**snooze, "block_id": "b"}
    assert page_call(sandbox, "/sandbox/action", {"user": MAYA.id, "where": where, "action": action})["ok"]
    latest(sandbox, "Snoozed until", channel=dm(MAYA.id))
    assert any("new opportunities" in m["text"] for m in messages_in(seen_by(sandbox))[-3:]), "Monday's digest"


def test_the_manager_sees_the_team_and_a_rep_does_not(sandbox):
    say(sandbox, "/opportunity team", user=DANA.id)
    assert wait_until(lambda: [m for m in messages_in(seen_by(sandbox, DANA.id)) if m["ephemeral"]])
    say(sandbox, "/opportunity team", user=JONAS.id)
    refusal = wait_until(lambda: [m for m in messages_in(seen_by(sandbox, JONAS.id)) if m["ephemeral"]])
    assert "/opportunity health" in refusal[-1]["text"]


def test_a_rep_sees_their_health_as_a_picture_in_their_dm(sandbox):
    say(sandbox, "/opportunity health", user=JONAS.id)
    report = latest(sandbox, "Your pipeline", user=JONAS.id)
    [button] = [e for b in report["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Show as a picture"
    where = {"type": "message", "channel": CHANNEL_ID, "ts": report["ts"]}
    assert page_call(
        sandbox, "/sandbox/action", {"user": JONAS.id, "where": where, "action": {**button, "block_id": "b"}}
    )["ok"]
    shared = wait_until(
        lambda: [m for m in messages_in(seen_by(sandbox, JONAS.id), dm(JONAS.id)) if m.get("files")], what="the picture"
    )
    [picture] = shared[-1]["files"]
    assert picture["name"].endswith(".png") and "Your openings per week over 12 weeks" in picture["alt_txt"]
    with urllib.request.urlopen(sandbox.url + f"files/{picture['id']}", timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png" and response.read().startswith(b"\x89PNG")


def test_the_embedded_slack_answers_mistakes_as_slack_does(sandbox):
    workspace = sandbox.workspace
    auth = {"Authorization": f"Bearer {workspace.token}"}
    assert web_api.answer(workspace, "auth.test", {}, {})["error"] == "not_authed"
    assert web_api.answer(workspace, "auth.test", {}, {"Authorization": "Bearer xoxb-other"})["error"] == "invalid_auth"
    post = lambda **args: web_api.answer(workspace, "chat.postMessage", args, auth)  # noqa: E731
    assert post(channel="CNOPE", text="hi")["error"] == "channel_not_found"
    assert post(channel=CHANNEL_ID)["error"] == "no_text"
    too_many = [{"type": "divider"}] * 51
    assert post(channel=CHANNEL_ID, text="x", blocks=too_many)["error"] == "invalid_blocks"
    header = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    assert post(channel=CHANNEL_ID, text="x", blocks=header)["error"] == "invalid_blocks"
    assert web_api.answer(workspace, "users.info", {"user": "UNOBODY"}, auth)["error"] == "user_not_found"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": [{"type": "divider"}]}
    trigger = workspace.issue_trigger(MAYA.id)
    assert web_api.answer(workspace, "views.open", {"trigger_id": trigger, "view": view}, auth)["ok"]
    again = web_api.answer(workspace, "views.open", {"trigger_id": trigger, "view": view}, auth)
    assert again["error"] == "expired_trigger_id", "a trigger works once"
    late = workspace.issue_trigger(MAYA.id)
    workspace.triggers[late].issued -= 3.5
    assert (
        web_api.answer(workspace, "views.open", {"trigger_id": late, "view": view}, auth)["error"]
        == "expired_trigger_id"
    )
    assert (
        web_api.answer(workspace, "views.open", {"trigger_id": "nope", "view": view}, auth)["error"]
        == "invalid_trigger_id"
    )
    workspace.close_modal(MAYA.id, "", everything=True)


def test_the_sandbox_never_reads_real_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://prod.example/coach")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-a-real-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-a-real-token")
    monkeypatch.setenv("CELEBRATION_CHANNEL", "CREAL")
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=real-secret\n")
    monkeypatch.chdir(tmp_path)
    settings = runner.sandbox_settings("http://127.0.0.1:1/api/", tmp_path / "s.db", "xoxb-sandbox-1", "secret")
    assert settings.database_url == f"sqlite:///{tmp_path / 's.db'}"
    assert settings.slack_bot_token == "xoxb-sandbox-1" and settings.slack_app_token is None
    assert settings.slack_signing_secret == "secret" and settings.celebration_channel == CHANNEL_ID


def test_every_message_and_view_the_bot_built_is_one_the_page_can_draw(sandbox):
    """Use every surface once more (Home and its buttons, lists and menus, reflections, the coach), then
    check each block, element and text type in everything the bot sent against the renderer's list."""
    page_call(sandbox, "/sandbox/home", {"user": MAYA.id})
    for line in ("/opportunity list", "/opportunity health", "/opportunity coach", "/opportunity help", "/prospect"):
        say(sandbox, line)
        time.sleep(0.3)
        top = seen_by(sandbox)["modal"]
        if top:
            page_call(sandbox, "/sandbox/close", {"user": MAYA.id, "view_id": top["id"]})
    page_call(sandbox, "/sandbox/clock", {"user": MAYA.id, "jump": "reflection"})
    wait_until(lambda: seen_by(sandbox)["home"], what="Maya's Home")
    found = {(kind, name) for _, blocks in payloads(sandbox) for kind, name in types_in(blocks)}
    for kind, allowed in (("block", "BLOCKS"), ("element", "ELEMENTS"), ("text", "TEXTS")):
        unknown = {name for k, name in found if k == kind} - supported(allowed)
        assert not unknown, f"the bot sent {kind} types the page cannot draw: {sorted(unknown)}"
    used = {name for _, name in found}
    for name in ("header", "section", "context", "divider", "actions", "input", "button", "static_select"):
        assert name in used, f"the scenario never produced a {name}; widen it"
    for name in ("overflow", "datepicker", "plain_text_input", "mrkdwn", "plain_text"):
        assert name in used, f"the scenario never produced a {name}; widen it"


def test_an_operators_mistake_gets_one_line_and_status_2(monkeypatch, tmp_path, capsys):
    import socket

    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    assert main(["sandbox", "--now", "someday"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["sandbox", "--port", str(taken.getsockname()[1])]) == 2
    problem = capsys.readouterr().err
    assert problem.startswith("Could not listen on port") and problem.count("\n") == 1
    assert not (tmp_path / runner.DATABASE_FILE).exists(), "nothing was created"


def test_only_the_page_itself_may_drive_the_sandbox(sandbox):
    import urllib.error
    import urllib.request

    def status(headers: dict) -> int:
        body = b'{"user": "U0MAYA", "channel": "C0SALESWINS", "text": "/opportunity list"}'
        request = urllib.request.Request(sandbox.url + "sandbox/command", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert status({"Content-Type": "text/plain"}) == 403, "a form on another site cannot post here"
    assert status({"Content-Type": "application/json", "Host": "evil.example:80"}) == 403, "no rebound host"
    assert status({"Content-Type": "application/json"}) == 200


def test_python_m_bot_sandbox_serves_the_page_and_stops_cleanly(tmp_path):
    """The README's command, as a newcomer runs it, with a DATABASE_URL and tokens around that it ignores."""
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "DATABASE_URL": "postgresql://nowhere.invalid/prod", "SLACK_BOT_TOKEN": "xoxb-real"}
    started = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--demo", "--port", "0", "--now", "2026-11-22T20:00:00Z"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = started.stdout.readline()
        url = first.split("open ", 1)[1].split(" ", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=5) as page:
            assert "Pipeline Coach sandbox" in page.read().decode()
        with urllib.request.urlopen(url + "sandbox/state?user=U0DANA", timeout=5) as state:
            assert "opened a new opportunity" in state.read().decode()
        assert (tmp_path / runner.DATABASE_FILE).exists()
    finally:
        started.send_signal(signal.SIGINT)
        _, errors = started.communicate(timeout=15)
    assert started.returncode == 0, errors
    assert "Traceback" not in errors
