"""A rep short of closed deals borrows the team's: the workspace's closed deals, read once for everyone's
Home and health rather than on every refresh, and never kept when a close overtook the read or it failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.services import outlook as service
from bot.services import team_reads
from storage import outlook as store
from storage.db import DatabaseUnavailable
from storage.models import Opportunity
from storage.records import LOST
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, say
from tests.test_outlook_command import closed_history, health_text


def late_deal(bot) -> None:
    """U2 opened a deal ten days ago (a win the day it opened would not count as history)."""
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=10))
    say(bot, "new Late deal 30k", "U2")
    bot.clock.set(MONDAY_10AM_NEW_YORK)


def test_a_close_on_the_team_counts_in_the_borrowed_figures_at_once(bot):
    closed_history(bot, user="U2")
    assert "the team's: 2 won of 5 closed" in health_text(bot, "new Fresh lead 10k", user="U1")

    late_deal(bot)
    say(bot, "won late deal", "U2")

    assert "the team's: 3 won of 6 closed" in health_text(bot, user="U1")


def test_many_reps_borrowing_the_team_figures_read_them_once(bot, monkeypatch):
    from bot.services import home

    closed_history(bot, user="U2")
    for rep in ("U1", "U3", "U4"):
        say(bot, "new Fresh lead 10k", rep)
    home.wait_for_republishes(timeout=10)  # their Homes, refreshed
    team_reads.stage_moved(bot.services, "T1")  # the kept read forgotten: the next reader reads again
    reads = []
    read = store.team_history

    def counted(db, team_id, since):
        reads.append(team_id)
        return read(db, team_id, since)

    monkeypatch.setattr(store, "team_history", counted)
    for rep in ("U1", "U3", "U4"):
        assert "the team's: 2 won of 5 closed" in health_text(bot, user=rep)

    assert reads == ["T1"]


def test_a_read_a_close_overtook_is_not_kept(bot, monkeypatch):
    closed_history(bot, user="U2")
    late_deal(bot)
    services = bot.services.for_team("T1")
    read = store.team_history

    def overtaken(db, team_id, since):
        found = read(db, team_id, since)
        say(bot, "won late deal", "U2")  # closed while the read was on its way back
        return found

    monkeypatch.setattr(store, "team_history", overtaken)
    assert service.team_history(services, "T1").won == 2  # what was read, for this reader only
    monkeypatch.undo()

    assert service.team_history(services, "T1").won == 3


def test_a_read_that_failed_half_way_is_never_served(bot, monkeypatch):
    closed_history(bot, user="U2")
    services = bot.services.for_team("T1")

    def cut_off(db, team_id, since):
        raise DatabaseUnavailable("OperationalError: the connection was cut mid-read")

    monkeypatch.setattr(store, "team_history", cut_off)
    with pytest.raises(DatabaseUnavailable):
        service.team_history(services, "T1")
    monkeypatch.undo()

    found = service.team_history(services, "T1")
    assert (found.won, found.lost) == (2, 3)


def test_closes_the_coach_did_not_see_count_within_the_interval(bot, db, clock, monkeypatch):
    closed_history(bot, user="U2")
    services = bot.services.for_team("T1")
    assert service.team_history(services, "T1").closed == 5
    say(bot, "new Imported deal 30k", "U2")
    with db.transaction() as session:  # as a CRM sync or an import closes a deal: no stage move here
        imported = Opportunity.name == "Imported deal"
        session.execute(update(Opportunity).where(imported).values(status=LOST, closed_at=clock()))
    assert service.team_history(services, "T1").closed == 5  # the kept read, within its interval

    monkeypatch.setattr(service, "TEAM_HISTORY_SECONDS", 0.0)  # the interval is over
    assert service.team_history(services, "T1").closed == 6
