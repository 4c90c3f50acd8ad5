"""How long deals usually stay in a stage: a rep's own stays read for that rep alone, and the team's from
its latest moves, so a workspace of 50,000 reps costs the same read as one of 50."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import opportunities, stage_time
from storage.records import NewOpportunity

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = ("Discovery", "Proposal", "Negotiation")


def deal_that_stays(db, owner: str, name: str, opened: datetime, *stays: tuple[str, int]) -> None:
    """A deal opened in Discovery at `opened`, moved into each (stage, after days) in turn."""
    deal = opportunities.create_opportunity(db, "T1", owner, NewOpportunity(name=name, stage="Discovery"), opened)
    at = opened
    for stage, days in stays:
        at += timedelta(days=days)
        opportunities.move_stage(db, "T1", owner, deal.id, stage, at)


def test_a_reps_own_stays_are_read_for_that_rep_alone(db):
    deal_that_stays(db, "U1", "Acme", START, ("Proposal", 4), ("Negotiation", 10))
    deal_that_stays(db, "U1", "Beta", START, ("Proposal", 6))
    deal_that_stays(db, "U2", "Gamma", START, ("Proposal", 30))

    mine = stage_time.completed_stays(db, "T1", STAGES, START, ["U1"])

    assert {(stay.user_id, stay.stage, stay.stays, round(stay.days)) for stay in mine} == {
        ("U1", "Discovery", 2, 10),
        ("U1", "Proposal", 1, 10),
    }


def test_the_team_is_everyone_and_only_stays_that_ended_in_the_window_count(db):
    deal_that_stays(db, "U1", "Acme", START, ("Proposal", 4), ("Negotiation", 10))
    deal_that_stays(db, "U2", "Gamma", START, ("Proposal", 30))
    deal_that_stays(db, "U3", "Old", START - timedelta(days=400), ("Proposal", 8))  # ended before the window

    team = stage_time.team_stays(db, "T1", STAGES, START, most=1000)

    assert {stage: (stays, round(days)) for stage, (stays, days) in team.items()} == {
        "Discovery": (2, 34),
        "Proposal": (1, 10),
    }
    everyone = stage_time.completed_stays(db, "T1", STAGES, START, ["U1", "U2", "U3"])
    assert sum(stay.stays for stay in everyone) == sum(stays for stays, _ in team.values())


def test_a_very_large_team_is_measured_by_its_latest_moves(db):
    for day in range(6):  # six deals, each a day longer in Discovery, the last moved most recently
        deal_that_stays(db, f"U{day}", f"Deal {day}", START + timedelta(days=day * 20), ("Proposal", day + 1))

    latest_three = stage_time.team_stays(db, "T1", STAGES, START, most=3)

    assert latest_three["Discovery"][0] == 3
    assert round(latest_three["Discovery"][1]) == 6 + 5 + 4  # deals 5, 4 and 3; their openings are no moves


def test_a_deal_opened_but_never_moved_is_no_stay_yet(db):
    deal_that_stays(db, "U1", "Fresh", START)

    assert stage_time.team_stays(db, "T1", STAGES, START, most=1000) == {}
    assert stage_time.completed_stays(db, "T1", STAGES, START, ["U1"]) == []
