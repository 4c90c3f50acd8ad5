"""The calendar tests' fixtures: a local feed server for the module, and the bot with an ENCRYPTION_KEY,
local addresses allowed, every log captured at DEBUG and Slack telling the rep's email."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from bot.sealed import new_key
from tests.calendar_server import CalendarServer, calendar, event

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the clock fixture's start: Monday 10:00 in New York
SECRET = "private-cal-9f8e7d6c"  # the secret part of every feed address served here
ME = "rep@us.example"


@pytest.fixture(scope="module")
def feeds():
    running = CalendarServer().start()
    yield running
    running.stop()


@pytest.fixture
def rep_bot(make_bot, feeds, caplog):
    caplog.set_level(logging.DEBUG)
    bot = make_bot(encryption_key=new_key(), calendar_private_addresses=True)
    bot.slack.always(
        "users.info",
        lambda args: {"ok": True, "user": {"id": args.get("user"), "tz": "America/New_York", "profile": {"email": ME}}},
    )
    return bot


def say(bot, text: str, command: str = "/opportunity", user: str = "U1") -> dict:
    """Type a command; its private answer (on the response_url when it came after the ack)."""
    before = len(bot.slack.of("response_url"))
    reply = bot.driver.command(command, text, user=user)
    assert reply.status == 200, reply.body
    if reply.body and "Reading your calendar" not in reply.body:
        return reply.json
    return bot.slack.wait_for("response_url", before + 1)[before].args


def words(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def acme_meeting(uid: str, start: datetime, minutes: int = 60, **more) -> str:
    people = more.pop("attendees", (("ann@acme.com", "ACCEPTED"), (ME, "ACCEPTED")))
    return event(uid, start, minutes, more.pop("title", "Acme renewal review"), attendees=people, **more)


def connect(bot, feeds, name: str, *events: str, **serving) -> str:
    """The rep connects a feed served under `name` holding `events`; its address, for connecting again."""
    url = feeds.serve(f"{SECRET}/{name}", calendar(*events), **serving)
    say(bot, f"calendar connect {url}")
    return url
