"""A newcomer's first minutes in the demo sandbox, through the page's own requests: it opens on Maya's DM
with the coach, an answered reflection shows the answer in place of its button, Dana's Home shows her
team, every clock jump says what it brought or why nothing came, and a second sandbox finds a port."""

from __future__ import annotations

import dataclasses
import json
import socket

import pytest

from bot.messages import home as home_views
from bot.rules.team import TeamRow
from bot.sandbox import limits, people, runner, web_api
from bot.sandbox.clock import SandboxClock
from bot.sandbox.people import CHANNEL_ID, DANA, MAYA
from bot.services import home
from bot.services.team import TeamView
from tests.sandbox_fixtures import SUNDAY, messages_in, page_call, sandbox, seen_by, wait_until

__all__ = ["sandbox"]  # the fixture
MAYA_DM = "D" + MAYA.id.removeprefix("U")


def test_after_demo_the_page_opens_on_mayas_dm_with_the_coach(sandbox):
    state = seen_by(sandbox)
    assert state["opens_on"] == {"user": MAYA.id, "conversation": MAYA_DM}
    assert any("Your weekly reflection" in m["text"] for m in messages_in(state, MAYA_DM)), "the story starts here"


def test_an_answered_reflection_shows_the_answer_instead_of_its_button(sandbox):
    reflection = next(m for m in messages_in(seen_by(sandbox), MAYA_DM) if "weekly reflection" in m["text"])
    answer = reflection["blocks"][0]["accessory"]
    where = {"type": "message", "channel": MAYA_DM, "ts": reflection["ts"]}
    assert page_call(sandbox, "/sandbox/action", {"user": MAYA.id, "where": where, "action": answer})["ok"]
    form = wait_until(lambda: seen_by(sandbox)["modal"], what="the reflection's form")
    typed = {"answer": {"value": {"type": "plain_text_input", "value": "Globex <b>earns</b> it & more"}}}
    submitted = {"user": MAYA.id, "view_id": form["id"], "state": typed}
    assert page_call(sandbox, "/sandbox/submit", submitted) == {"ok": True}

    def answered():
        found = next(m for m in messages_in(seen_by(sandbox), MAYA_DM) if m["ts"] == reflection["ts"])
        return found if "Globex" in json.dumps(found["blocks"]) else None

    blocks = wait_until(answered, what="the answer in the reflection")["blocks"]
    assert not [b for b in blocks if b.get("accessory") or b["type"] == "actions"], "no button: it is answered"
    assert "Globex &lt;b&gt;earns&lt;/b&gt; it &amp; more" in json.dumps(blocks), "the rep's words, escaped"
    assert seen_by(sandbox)["modal"] is None


def test_chat_update_changes_only_the_apps_own_messages_for_everyone(sandbox):
    workspace = sandbox.workspace
    auth = {"Authorization": f"Bearer {workspace.token}"}
    update = lambda **args: web_api.answer(workspace, "chat.update", {"text": "new", **args}, auth)  # noqa: E731
    theirs = workspace.post(CHANNEL_ID, DANA.id, "Dana's own words", None)
    private = workspace.post(CHANNEL_ID, workspace.bot.id, "only Maya sees this", None, only_for=MAYA.id)
    assert update(channel=CHANNEL_ID, ts=theirs.ts)["error"] == "cant_update_message"
    assert update(channel=CHANNEL_ID, ts=private.ts)["error"] == "message_not_found"
    assert update(channel="CNOPE", ts=theirs.ts)["error"] == "channel_not_found"
    mine = workspace.post(CHANNEL_ID, workspace.bot.id, "old", None)
    assert update(channel=CHANNEL_ID, ts=mine.ts)["message"]["text"] == "new"
    assert [m["text"] for m in messages_in(seen_by(sandbox, DANA.id)) if m["ts"] == mine.ts] == ["new"]


def test_danas_home_shows_her_team_and_a_reps_home_does_not(sandbox):
    for person in (DANA, MAYA):
        page_call(sandbox, "/sandbox/home", {"user": person.id})
    home = lambda user: json.dumps((seen_by(sandbox, user)["home"] or {}).get("blocks") or [])  # noqa: E731
    team = wait_until(lambda: "Your team this week" in home(DANA.id) and home(DANA.id), what="Dana's team on Home")
    for rep in (people.MAYA, people.PRIYA, people.JONAS):
        assert f"<@{rep.id}>" in team, f"{rep.real_name} is on Dana's Home"
    wait_until(lambda: "Globex" in home(MAYA.id), what="Maya's Home")
    assert "Your team this week" not in home(MAYA.id)


def test_a_large_teams_home_stays_inside_slacks_limits_and_points_to_the_whole_list(sandbox):
    page = home.home_page(sandbox.services, people.TEAM_ID, DANA.id)
    rows = [TeamRow(f"U{n:05d}", 1, 0.5, 2, 10_000, 1.2, n % 7 == 0, n % 5) for n in range(400)]
    crowded = dataclasses.replace(page, team=TeamView(rows, 1.1, page.team.creation if page.team else None))
    view = home_views.home_view(crowded, sandbox.clock.current, "$")
    assert limits.view_problem(view) is None, "Slack would take it"
    shown = json.dumps(view["blocks"])
    assert "Your team this week" in shown and "`/opportunity team` in any channel" in shown


def test_every_jump_says_what_it_brought_or_why_nothing_came(sandbox):
    jump = lambda user, where: page_call(sandbox, "/sandbox/clock", {"user": user, "jump": where})  # noqa: E731
    monday = jump(MAYA.id, "morning")
    assert monday["now"] == "2026-11-23T14:00:00+00:00", "Monday 09:00 in New York"
    assert "Maya got a nudge." in monday["jobs"]
    assert "Last week's digest went to #sales-wins." in monday["jobs"]
    assert seen_by(sandbox)["jobs"] == monday["jobs"], "the page shows the same sentences under the clock"

    tuesday = jump(MAYA.id, "morning")["jobs"]
    assert tuesday[0].startswith(
        "Nothing new for Maya: Maya got a nudge on Mon 23 Nov, and the coach leaves 7 days between nudges."
    )
    assert tuesday[0].endswith("Maya's next reflection: Fri 27 Nov, 15:00.")
    assert jump(MAYA.id, "reflection")["jobs"][0] == "Maya got a weekly reflection."
    saturday = jump(people.PRIYA.id, "day")["jobs"]  # Saturday 20:00 in London
    assert saturday[0].startswith("Nothing new for Priya: it is outside Priya's working hours (Mon–Fri, 09:00–17:00).")


def test_a_second_sandbox_finds_a_free_port_by_itself_when_the_default_is_taken():
    workspace = people.build_workspace("xoxb-test", SandboxClock(SUNDAY))
    with socket.socket() as first:  # the first sandbox, on what the second would take by default
        first.bind(("127.0.0.1", 0))
        first.listen()
        taken = first.getsockname()[1]
        second = runner.listen(workspace, taken, None, find_free=True).start()
        try:
            assert second.port != taken and second.base_url == f"http://127.0.0.1:{second.port}/api/"
        finally:
            second.stop()
        with pytest.raises(OSError):
            runner.listen(workspace, taken, None, find_free=False)  # a port asked for with --port is kept to
