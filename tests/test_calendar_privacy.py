"""A rep's captured meetings and calendar address are theirs: forget-me erases them with the rest, and
erasing a workspace (uninstall and retention) takes every captured row and connection with it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.services import erase
from storage.models import CalendarConnection, CapturedTime, DomainChoice
from tests.calendar_fixtures import NOW, SECRET, acme_meeting, say
from tests.calendar_server import calendar
from tests.workspaces import rows_naming


def rows(db, model) -> int:
    with db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def connected_rep(bot, feeds) -> None:
    say(bot, "new Acme renewal 48k")
    meetings = calendar(
        acme_meeting("m1", NOW - timedelta(days=1)),
        acme_meeting("m2", NOW - timedelta(days=2), title="Intro", attendees=(("cy@initech.com", "ACCEPTED"),)),
    )
    say(bot, f"calendar connect {feeds.serve(f'{SECRET}/private.ics', meetings)}")
    assert rows(bot.db, CapturedTime) == 2 and rows(bot.db, CalendarConnection) == 1


def test_forget_me_erases_captured_meetings_the_address_and_domain_choices(rep_bot, feeds):
    connected_rep(rep_bot, feeds)
    with rep_bot.db.transaction() as session:
        session.add(DomainChoice(team_id="T1", user_id="U1", domain="initech.com", placement="prospecting",
                                 chosen_at=NOW))  # fmt: skip

    counts = erase.forget_person(rep_bot.services, "T1", "U1")

    assert counts["captured meetings"] == 2 and counts["calendar connections"] == 1
    assert counts["meeting choices"] == 1
    assert rows_naming(rep_bot.db, "T1", "U1") == []
    assert "No calendar is connected" in json.dumps(say(rep_bot, "calendar"))


def test_erasing_a_workspace_takes_its_calendars_and_captured_time(rep_bot, feeds):
    connected_rep(rep_bot, feeds)

    removed = erase.erase_workspace(rep_bot.services, "T1")

    assert removed["captured_time"] == 2 and removed["calendar_connections"] == 1
    assert rows(rep_bot.db, CapturedTime) == 0 and rows(rep_bot.db, CalendarConnection) == 0
