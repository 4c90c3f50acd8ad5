"""A newcomer in the demo sandbox sees time that logs itself: Maya's calendar (served by the sandbox, under
a secret address of this run) is connected, her health report and Home say what it captured, and the
next working morning brings her the one-tap question about the intro nobody's deal names."""

from __future__ import annotations

import json

from bot.sandbox.people import MAYA
from tests.sandbox_fixtures import messages_in, page_call, sandbox, seen_by, wait_until

__all__ = ["sandbox"]  # the fixture
MAYA_DM = "D" + MAYA.id.removeprefix("U")


def command(sandbox, text: str) -> str:
    """Type a command as Maya; her private answer's words."""
    before = len([m for m in messages_in(seen_by(sandbox)) if m["ephemeral"]])
    assert page_call(sandbox, "/sandbox/command", {"user": MAYA.id, "channel": "C0SALESWINS", "text": text})["ok"]
    mine = wait_until(
        lambda: (found := [m for m in messages_in(seen_by(sandbox)) if m["ephemeral"]])[before:] and found,
        what=f"the answer to {text}",
    )
    return json.dumps(mine[-1], ensure_ascii=False)


def test_mayas_calendar_is_connected_and_health_says_what_it_captured(sandbox):
    status = command(sandbox, "/opportunity calendar")
    assert "127.0.0.1" in status and "/calendars/" not in status, "the host, never the secret address"
    health = command(sandbox, "/opportunity health")
    assert "captured from your meetings" in health and "Globex" in health


def test_her_home_shows_the_captured_time(sandbox):
    page_call(sandbox, "/sandbox/home", {"user": MAYA.id})
    home = lambda: json.dumps((seen_by(sandbox)["home"] or {}).get("blocks") or [])  # noqa: E731
    assert "captured" in wait_until(lambda: "captured" in home() and home(), what="the captured line on Home")


def test_the_next_working_morning_brings_the_one_tap_question(sandbox):
    monday = page_call(sandbox, "/sandbox/clock", {"user": MAYA.id, "jump": "morning"})
    assert "Maya got a one-tap question about where a meeting's time goes." in monday["jobs"]
    question = next(m for m in messages_in(seen_by(sandbox), MAYA_DM) if "vehement.example" in json.dumps(m))
    buttons = [e["text"]["text"] for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "Prospecting" in buttons and "Globex enterprise rollout" in buttons
