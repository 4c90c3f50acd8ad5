"""Walk-away signals beside time concentration, each private to the rep with its evidence: a close date
pushed two or more times (whichever way it changed: CRM sync or CSV import), a deal in one stage far
longer than the rep's (or the team's) usual stay there, and time share far above value share. They show in
`/opportunity health` and give the nudge its one reason and its one question."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from slack_sdk import WebClient

from bot.integrations import CrmStage
from bot.rules import walkaway as rules
from bot.rules.crm_stages import stage_map, stage_probabilities
from bot.services.csv_import import ImportOptions, import_file
from storage import close_dates, outlook, stage_time
from tests.hubspot_fixtures import crm_bot, hubspot, hubspot_server, provider_for  # noqa: F401 (fixtures)
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, nudged_on_acme, say, the_nudge
from tests.test_crm_sync import sync
from tests.test_outlook_command import health_text

STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")


# --- the rules ----------------------------------------------------------------------------------------


def deal(**facts) -> rules.DealFacts:
    return rules.DealFacts(**{"deal_id": 1, "name": "Acme", "stage": "Discovery", "amount": 10_000, **facts})


def test_a_close_date_pushed_twice_is_a_signal_once_is_not():
    assert rules.deal_signals(deal(pushes=1), 0, 0, 0) == []
    [pushed] = rules.deal_signals(deal(pushes=2, first_close=date(2026, 10, 15), close=date(2027, 1, 20)), 0, 0, 0)
    assert (pushed.kind, pushed.pushes, pushed.first_close) == (rules.PUSHED, 2, date(2026, 10, 15))


def test_long_in_stage_against_the_reps_own_usual_stay_else_the_teams_else_no_norm():
    assert rules.usual_stay((3, 30.0), (10, 200.0)) == (10.0, rules.YOURS)
    assert rules.usual_stay((2, 30.0), (10, 200.0)) == (20.0, rules.TEAM)
    assert rules.usual_stay((2, 30.0), (2, 200.0)) is None

    usual = (10.0, rules.YOURS)
    assert rules.deal_signals(deal(days_in_stage=16, usual=usual), 0, 0, 0) == []  # 1.6x but not a week more
    assert rules.deal_signals(deal(days_in_stage=15, usual=(20.0, rules.TEAM)), 0, 0, 0) == []
    [long] = rules.deal_signals(deal(days_in_stage=17, usual=usual), 0, 0, 0)
    assert (long.kind, long.days_in_stage, long.usual_days) == (rules.LONG_IN_STAGE, 17, 10.0)
    assert rules.deal_signals(deal(days_in_stage=90, usual=None), 0, 0, 0) == []


def test_time_share_far_above_value_share_weighted_by_stage():
    weights = rules.stage_weights(STAGES)
    assert weights == pytest.approx({"Prospecting": 0.1, "Discovery": 1 / 3, "Proposal": 17 / 30, "Negotiation": 0.8})
    pipeline = rules.weighted_pipeline({"Discovery": 10_000, "Negotiation": 100_000}, weights)  # 3,333 + 80,000
    [found] = rules.deal_signals(deal(minutes=240), 600, pipeline, weights["Discovery"])
    assert found.kind == rules.TIME_OVER_VALUE_KIND
    assert (round(found.time_share, 2), round(found.value_share, 2)) == (0.4, 0.04)

    assert rules.deal_signals(deal(minutes=120), 600, pipeline, weights["Discovery"]) == []  # 20% of the time
    assert rules.deal_signals(deal(minutes=240, amount=None), 600, pipeline, 0.3) == []  # no value to compare
    even = rules.weighted_pipeline({"Discovery": 10_000}, weights)
    assert rules.deal_signals(deal(minutes=600), 600, even, weights["Discovery"]) == []  # all of both


def test_the_crms_stage_probabilities_replace_the_defaults_where_it_gives_them():
    crm = [
        CrmStage("a", "Appointment", 0, False, False, False, 0.2),
        CrmStage("q", "Qualified", 1, False, False, False, 0.4),
        CrmStage("c", "Contract", 2, False, False, False, None),
        CrmStage("w", "Won", 3, True, True, False, 1.0),
    ]
    probabilities = stage_probabilities(crm, stage_map(crm, STAGES, {}))
    assert probabilities == {"Prospecting": 0.2, "Proposal": 0.4}
    weights = rules.stage_weights(STAGES, probabilities)
    assert weights["Prospecting"] == 0.2 and weights["Proposal"] == 0.4 and weights["Negotiation"] == 0.8


@pytest.mark.parametrize(("minutes", "offered"), [(0, 60), (60, 60), (420, 120), (600, 180), (3000, 180)])
def test_the_prospecting_offered_after_a_step_back_is_about_a_third_of_the_paused_deals_hours(minutes, offered):
    assert rules.prospecting_offer_minutes(minutes) == offered


# --- as the rep sees it -----------------------------------------------------------------------------


def import_close_date(bot, tmp_path, close: str) -> None:
    """A spreadsheet row that moves deal #1's close date (the CSV import, as a team moving from one runs it)."""
    bot.slack.always("users.lookupByEmail", lambda args: {"ok": True, "user": {"id": "U1", "deleted": False}})
    path = tmp_path / f"deals-{close}.csv"
    row = f"1,Acme renewal,rep@example.com,Prospecting,48000,{close}"
    path.write_text(f"id,name,owner_id,stage,amount,expected_close\n{row}\n")
    client = WebClient(token="xoxb-test", base_url=bot.slack.base_url)
    report = import_file(bot.db, client, "T1", ImportOptions("opportunities", str(path)), STAGES, bot.clock())
    assert report.updated == 1, report.lines()


def test_a_deal_pushed_twice_shows_in_health_and_gives_the_nudge_its_question(bot, tmp_path):
    say(bot, "new Acme renewal 48k close:2026-12-15")
    import_close_date(bot, tmp_path, "2027-01-15")
    assert "close date has moved" not in health_text(bot)
    import_close_date(bot, tmp_path, "2027-02-20")

    text = health_text(bot)
    assert "*Worth a second look:*" in text
    assert ":calendar: *Acme renewal*'s close date has moved 2 times, from 15 Dec to 20 Feb 2027." in text

    say(bot, "new Beta pilot 12k")
    nudge = nudged_on_acme(bot)
    assert "close date has moved 2 times" in nudge
    assert "Its close date keeps moving: what date would the buyer commit to if you asked?" in nudge


def test_a_deal_long_in_its_stage_against_the_reps_usual_stay(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=60))
    for name in ("Old A", "Old B", "Old C", "Acme renewal"):
        say(bot, f"new {name} 20k stage:discovery")
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=55))
    for name in ("old a", "old b", "old c"):
        say(bot, f"stage {name} proposal")  # five days in Discovery each
    bot.clock.set(MONDAY_10AM_NEW_YORK)

    text = health_text(bot)
    assert (
        ":hourglass_flowing_sand: *Acme renewal* has been in Discovery for 8 weeks; "
        "your deals usually spend about 5 days there." in text
    )
    assert "Old A" not in text.split("Worth a second look")[1].split("Signals, not verdicts")[0]

    nudge = nudged_on_acme(bot)
    assert "has been in Discovery for 8 weeks" in nudge
    assert "What would have to happen for this deal to reach its next stage" in nudge


def test_a_new_rep_is_measured_against_the_teams_usual_stay(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=40))
    for name in ("Old A", "Old B", "Old C"):
        say(bot, f"new {name} 20k stage:discovery", user="U2")
    say(bot, "new Acme renewal 20k stage:discovery")
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=30))
    for name in ("old a", "old b", "old c"):
        say(bot, f"stage {name} proposal", user="U2")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    assert "has been in Discovery for 5 weeks; the team's deals usually spend about 10 days there." in health_text(bot)


def test_the_teams_usual_stays_are_read_once_for_many_reps_and_again_after_a_move(bot, monkeypatch):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=40))
    for name in ("Old A", "Old B", "Old C", "Old D"):
        say(bot, f"new {name} 20k stage:discovery", user="U2")
    for rep in ("U1", "U3"):
        say(bot, "new Acme renewal 20k stage:discovery", user=rep)
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=30))
    for name in ("old a", "old b", "old c"):
        say(bot, f"stage {name} proposal", user="U2")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    reads = []
    read = stage_time.team_stays
    monkeypatch.setattr(stage_time, "team_stays", lambda *args: reads.append(args[1]) or read(*args))

    for rep in ("U1", "U3"):
        assert "the team's deals usually spend about 10 days there" in health_text(bot, user=rep)
    assert reads == ["T1"]

    bot.clock.set(MONDAY_10AM_NEW_YORK + timedelta(days=10))
    say(bot, "stage old d proposal", user="U2")  # a fourth stay, of 50 days: the usual moves at once
    assert "the team's deals usually spend about 2 weeks there" in health_text(bot, user="U3")  # 20 days
    assert reads[-1] == "T1" and len(reads) >= 2


def test_time_share_far_above_value_share_in_health_and_the_nudge(bot):
    say(bot, "new Acme renewal 10k")  # Prospecting: 10% of 10,000
    say(bot, "new Globex 100k stage:negotiation")  # 80% of 100,000
    say(bot, "log acme 7h")
    say(bot, "10 calls 1h", command="/prospect")

    text = health_text(bot)
    assert ":scales: 88% of your time went to *Acme renewal*, which is 1% of your weighted pipeline." in text

    nudge = the_nudge(bot)
    assert "which is 1% of your weighted pipeline" in nudge
    assert "If this deal got time in line with its value, where would the other hours go?" in nudge


def test_a_close_date_moved_in_hubspot_is_kept_and_its_stage_probabilities_weigh_the_pipeline(crm_bot, hubspot):  # noqa: F811
    found = hubspot.add_deal(
        dealname="Umbrella", dealstage="qualifiedtobuy", amount="900", hubspot_owner_id="502",
        closedate="2026-12-15T00:00:00.000Z",
    )  # fmt: skip
    sync(crm_bot, hubspot)
    for close in ("2027-01-15T00:00:00.000Z", "2027-01-10T00:00:00.000Z", "2027-03-01T00:00:00.000Z"):
        hubspot.update_deal(found, closedate=close)
        sync(crm_bot, hubspot)

    [pushed] = close_dates.pushes_by_deal(crm_bot.db, "T1").values()
    assert (pushed.pushes, pushed.first_date, pushed.now_date) == (2, date(2026, 12, 15), date(2027, 3, 1))
    weights = outlook.crm_stage_weights(crm_bot.db, "T1")
    assert weights["Discovery"] == pytest.approx(0.4) and weights["Negotiation"] == pytest.approx(0.9)
