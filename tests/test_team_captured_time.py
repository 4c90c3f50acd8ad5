"""Maya never types her hours: her calendar brings them in. Her manager's team view and the leaders'
digest see that time exactly as the nudge and her health report do: her fortnight piles onto Acme, and
the intro she had with a new company counts as prospecting, so she is not among the reps gone quiet."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sealed import new_key
from bot.services import calendar as calendar_service
from storage.models import CapturedTime
from tests.calendar_fixtures import ME, NOW, SECRET, acme_meeting, say
from tests.calendar_server import calendar, event
from tests.test_coaching_jobs import dms, run
from tests.test_leader_digest import NEXT_MONDAY_0830_NEW_YORK

MAYA, LEO, BOSS = "U1", "U2", "UBOSS"


@pytest.fixture
def team_bot(make_bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot = make_bot(encryption_key=new_key(), calendar_private_addresses=True, manager_ids=BOSS)
    bot.slack.always(
        "users.info",
        lambda args: {"ok": True, "user": {"id": args.get("user"), "tz": "America/New_York", "profile": {"email": ME}}},
    )
    return bot


def mayas_fortnight_from_her_calendar(bot, feeds) -> None:
    """Three long Acme meetings and one intro with Hooli, which she answers as prospecting; Leo opens a
    deal and logs nothing."""
    say(bot, "new Acme renewal 48k", user=MAYA)
    say(bot, "new Globex pilot 20k", user=LEO)
    meetings = [acme_meeting(f"acme-{days}", NOW - timedelta(days=days), 150) for days in (1, 2, 4)]
    intro = event("hooli", NOW - timedelta(days=3), 60, "Intro", attendees=(("cy@hooli.com", "ACCEPTED"),))
    path = f"{SECRET}/maya.ics"
    say(bot, f"calendar connect {feeds.serve(path, calendar(*meetings, intro), etag='v1')}", user=MAYA)
    with bot.db.transaction() as session:
        hooli = session.scalar(select(CapturedTime.id).where(CapturedTime.domains == "hooli.com"))
    assert calendar_service.place(bot.services, "T1", MAYA, hooli, "prospecting", None) == ["hooli.com"]


def team_line(bot, user: str) -> str:
    before = len(bot.slack.of("response_url"))
    assert bot.driver.command("/opportunity", "team", user=BOSS).status == 200
    text = json.dumps(bot.slack.wait_for("response_url", before + 1)[before].args, ensure_ascii=False)
    return next(line for line in text.split("\\n") if f"<@{user}>" in line)


def test_the_team_view_counts_the_time_a_reps_calendar_captured(team_bot, feeds):
    mayas_fortnight_from_her_calendar(team_bot, feeds)

    maya = team_line(team_bot, MAYA)
    assert "time concentrated on one deal" in maya, "7h 30m of Acme meetings out of 8h 30m"
    assert "last prospected 3 days ago" in maya, "the Hooli intro, from her calendar"
    leo = team_line(team_bot, LEO)
    assert "no prospecting logged yet" in leo and "concentrated" not in leo


def test_the_leaders_digest_counts_captured_prospecting(team_bot, feeds):
    mayas_fortnight_from_her_calendar(team_bot, feeds)

    assert run(team_bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2  # the DM and its picture
    [digest] = dms(team_bot, BOSS)
    body = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "1 rep has logged none in 14 days" in body, "Leo only: Maya's intro came from her calendar"
