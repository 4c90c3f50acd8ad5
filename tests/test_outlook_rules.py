"""The outlook's rules, exactly: the number-dependency, which history to trust, the opening pace next
period needs, when a checkpoint is asked, and the leaders' counts. No Slack, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.messages.format import about, obstacle_status, short_day, standing
from bot.rules.leaders import early_stages, openers, quiet_on_prospecting
from bot.rules.outlook import (
    NO_HISTORY,
    NO_QUOTA,
    TEAM,
    YOURS,
    History,
    checkpoint_ask_day,
    history_to_use,
    number_dependency,
    opening_pace,
    standing_days,
)
from bot.rules.timing import WorkingHours

MON_FRI = WorkingHours(days=frozenset(range(5)))
Q1 = (date(2027, 1, 1), date(2027, 3, 31))  # 90 days: 12.857 weeks


# --- your number rides on one deal -----------------------------------------------------------


def test_the_largest_deal_closing_this_period_as_a_share_of_the_quota_still_to_win():
    number = number_dependency((7, "Acme", 60_000), quota=200_000, won_in_period=80_000, threshold=0.5)
    assert (number.deal_name, number.quota_left, number.share, number.flagged) == ("Acme", 120_000, 0.5, False)


def test_flagged_only_strictly_above_the_threshold():
    assert not number_dependency((1, "A", 50), 100, 0, 0.5).flagged
    assert number_dependency((1, "A", 51), 100, 0, 0.5).flagged


def test_a_deal_worth_more_than_all_that_is_left_is_over_one_hundred_percent():
    number = number_dependency((1, "A", 150), 100, 0, 0.5)
    assert number.share == 1.5 and number.flagged


@pytest.mark.parametrize(
    ("deal", "quota", "won"),
    [
        ((1, "A", 50), None, 0),  # no quota
        ((1, "A", 50), 0, 0),
        ((1, "A", 50), 100, 100),  # quota met
        ((1, "A", 50), 100, 130),
        (None, 100, 0),  # nothing closing this period
        ((1, "A", 0), 100, 0),
    ],
)
def test_nothing_to_measure_gives_none(deal, quota, won):
    assert number_dependency(deal, quota, won, 0.5) is None


# --- whose history, and the pace it implies ---------------------------------------------------


def test_own_history_once_five_deals_closed_else_the_teams_else_none():
    own4, own5, team = History(won=2, lost=2), History(won=2, lost=3), History(won=10, lost=20)
    assert history_to_use(own5, team, 5) == (own5, YOURS)
    assert history_to_use(own4, team, 5) == (team, TEAM)
    assert history_to_use(own4, History(won=1, lost=3), 5) == (None, None)
    assert history_to_use(own4, None, 5) == (None, None)


def test_the_needed_pace_from_win_rate_average_win_and_the_next_quota():
    history = History(won=4, lost=6, won_amount=120_000, won_with_amount=4, won_days=160.0)
    pace = opening_pace(history, YOURS, 300_000, True, *Q1, opened_recently=12, pace_weeks=8)
    assert pace.win_rate == 0.4 and pace.average_won == 30_000 and pace.average_days_to_win == 40
    assert pace.needed_openings == pytest.approx(25.0)  # 300k ÷ (30k × 40%)
    assert pace.needed_per_week == pytest.approx(25 / (90 / 7))
    assert pace.current_per_week == 1.5 and pace.behind
    assert pace.open_from == date(2026, 11, 22)  # 40 days before 1 January
    assert pace.missing is None


def test_wins_without_amounts_are_left_out_of_the_average_win():
    history = History(won=3, lost=2, won_amount=60_000, won_with_amount=2, won_days=30.0)
    pace = opening_pace(history, YOURS, 90_000, True, *Q1, opened_recently=0, pace_weeks=8)
    assert pace.average_won == 30_000 and pace.needed_openings == pytest.approx(5.0)


@pytest.mark.parametrize(
    "history",
    [None, History(won=0, lost=9), History(won=2, lost=3, won_amount=0, won_with_amount=0, won_days=20.0)],
)
def test_no_made_up_number_without_a_history_that_has_a_win_with_an_amount(history):
    pace = opening_pace(history, YOURS if history else None, 300_000, True, *Q1, opened_recently=4, pace_weeks=8)
    assert pace.missing == NO_HISTORY and pace.needed_per_week is None and pace.current_per_week == 0.5
    assert not pace.behind


def test_no_quota_no_needed_pace_but_the_inputs_are_kept():
    history = History(won=1, lost=4, won_amount=10_000, won_with_amount=1, won_days=10.0)
    pace = opening_pace(history, TEAM, None, True, *Q1, opened_recently=0, pace_weeks=8)
    assert pace.missing == NO_QUOTA and pace.needed_per_week is None and pace.win_rate == 0.2


def test_histories_add_up_for_the_team():
    total = History(1, 2, 100, 1, 5.0) + History(3, 4, 300, 2, 15.0)
    assert total == History(4, 6, 400, 3, 20.0) and total.closed == 10


# --- checkpoints and how long an obstacle has stood -------------------------------------------


@pytest.mark.parametrize(
    ("checkpoint", "asked_on"),
    [
        (date(2026, 11, 25), date(2026, 11, 25)),  # a Wednesday: that day
        (date(2026, 11, 28), date(2026, 11, 30)),  # a Saturday: the Monday after
        (date(2026, 11, 29), date(2026, 11, 30)),  # a Sunday
    ],
)
def test_a_checkpoint_is_asked_on_its_day_or_the_next_working_day(checkpoint, asked_on):
    assert checkpoint_ask_day(checkpoint, MON_FRI) == asked_on


def test_standing_counts_calendar_days_in_the_reps_zone():
    named = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # 18:00 in New York, 1 Nov
    assert standing_days(named, datetime(2026, 11, 2, 14, 0, tzinfo=UTC), "America/New_York") == 1  # 15h on
    assert standing_days(named, datetime(2026, 11, 2, 3, 0, tzinfo=UTC), "America/New_York") == 0  # 22:00 there
    assert standing_days(named, datetime(2026, 11, 2, 1, 0, tzinfo=UTC)) == 1  # UTC: already the 2nd
    assert standing_days(named, datetime(2026, 10, 1, tzinfo=UTC)) == 0


@pytest.mark.parametrize(
    ("days", "shown"),
    [(0, "since today"), (1, "since yesterday"), (2, "for 2 days"), (13, "for 13 days"), (14, "for 2 weeks")],
)
def test_how_long_reads(days, shown):
    assert standing(days) == shown


def test_an_obstacle_reads_like_a_sentence():
    today = date(2026, 11, 23)
    assert obstacle_status("budget", date(2026, 11, 3), date(2027, 1, 15), today) == (
        "waiting on budget since 3 Nov, checkpoint 15 Jan 2027"
    )
    assert obstacle_status("competing priority", date(2026, 11, 3), None, today, paused=True) == (
        "waiting on a competing priority since 3 Nov, stepped back"
    )
    assert short_day(date(2026, 1, 15), date(2026, 11, 23)) == "15 Jan"


@pytest.mark.parametrize(("value", "shown"), [(2.96, "3"), (2.5, "2.5"), (0.04, "0"), (12.4, "12"), (9.96, "10")])
def test_rough_figures(value, shown):
    assert about(value) == shown


# --- the leaders' counts ---------------------------------------------------------------------------


def test_openers_count_reps_with_at_least_one_opening():
    assert openers({"U1": 2, "U2": 0, "U3": 1}) == 2
    assert openers({}) == 0


def test_quiet_on_prospecting_from_the_day_the_window_is_full():
    today = date(2026, 11, 23)
    last = {"U1": date(2026, 11, 10), "U2": date(2026, 11, 9), "U3": today}
    assert quiet_on_prospecting(["U1", "U2", "U3", "U4"], last, today, 14) == 2  # U2 (14 days) and U4 (never)
    assert quiet_on_prospecting(["U1", "U1"], last, today, 14) == 0


def test_early_stages_are_the_first_open_ones():
    stages = ("Prospecting", "Discovery", "Proposal")
    assert early_stages(stages, 2) == ("Prospecting", "Discovery")
    assert early_stages(stages, 9) == stages
    assert early_stages(stages, 0) == ("Prospecting",)


# --- the questions and the settings behind them ---------------------------------------------------


def test_an_obstacle_gets_a_question_about_that_obstacle_not_asked_lately():
    from bot.questions import OBSTACLE_QUESTIONS, obstacle_question

    assert obstacle_question("budget", set()).theme == "budget"
    assert obstacle_question("competing priority", set()).theme == "priority"
    asked = {OBSTACLE_QUESTIONS["timing"][0].id}
    assert obstacle_question("timing", asked, seed=0).id == OBSTACLE_QUESTIONS["timing"][1].id
    everything = {question.id for question in OBSTACLE_QUESTIONS["timing"]}
    assert obstacle_question("timing", everything).theme == "timing"  # a question is better than none
    for questions in OBSTACLE_QUESTIONS.values():
        for question in questions:
            assert question.text.endswith("?") and len(question.text) <= 150
