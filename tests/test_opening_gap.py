"""The real gap in openings: beside the opening pace, how many new opportunities this quarter and the next
still need once the open early-stage deals are credited, from the rep's own history (or the team's while
theirs is thin), a plain word when the usual cycle means a quarter is already decided by what is open
today, and implausible history (won the day it was opened) flagged and left out of every figure."""

from __future__ import annotations

from datetime import date

import pytest

from bot.rules.openings import EarlyDeal, opening_gap
from bot.rules.outlook import YOURS, History
from storage import quotas
from tests.reading import shows
from tests.test_coaching_jobs import say
from tests.test_outlook_command import closed_history, health_text

THIS_QUARTER = (date(2026, 10, 1), date(2026, 12, 31))
NEXT_QUARTER = (date(2027, 1, 1), date(2027, 3, 31))
TODAY = date(2026, 11, 23)
# 2 won of 5, $30,000 each, 40 days from open to won
FORTY_DAYS = History(won=2, lost=3, won_amount=60_000, won_with_amount=2, won_days=80.0)


def test_openings_needed_minus_what_the_early_pipeline_will_likely_bring():
    early = [
        EarlyDeal(15_000, date(2027, 2, 1), date(2026, 11, 20)),  # lands next quarter: half an opening's worth
        EarlyDeal(None, None, date(2026, 11, 1)),  # no amount, no close: the average win, landing 11 Dec
        EarlyDeal(30_000, date(2027, 6, 1), date(2026, 11, 1)),  # beyond next quarter: not credited
    ]
    gap = opening_gap(FORTY_DAYS, YOURS, date(2026, 10, 5), THIS_QUARTER, NEXT_QUARTER, 60_000, 120_000, early)

    assert gap.this.needed_openings == pytest.approx(5.0)  # 60,000 ÷ (30,000 × 40%)
    assert (gap.this.early_deals, gap.this.pipeline_brings, gap.this.still_needed) == (1, 1.0, 4.0)
    assert gap.next.needed_openings == pytest.approx(10.0)
    assert (gap.next.early_deals, gap.next.pipeline_brings) == (1, 0.5)
    assert gap.next.still_needed == pytest.approx(9.5)
    assert not gap.this.decided and not gap.next.decided


def test_a_quarter_is_decided_when_a_deal_opened_today_would_close_after_it():
    gap = opening_gap(FORTY_DAYS, YOURS, TODAY, THIS_QUARTER, NEXT_QUARTER, 60_000, 120_000, [])
    assert gap.this.decided and not gap.next.decided  # 23 Nov + 40 days is 2 Jan

    slow = History(won=2, lost=3, won_amount=60_000, won_with_amount=2, won_days=300.0)  # 150 days
    gap = opening_gap(slow, YOURS, TODAY, THIS_QUARTER, NEXT_QUARTER, 60_000, 120_000, [])
    assert gap.this.decided and gap.next.decided


def test_the_early_pipeline_never_makes_the_gap_negative_and_a_met_quota_needs_nothing():
    early = [EarlyDeal(300_000, date(2026, 12, 1), date(2026, 11, 1))]
    gap = opening_gap(FORTY_DAYS, YOURS, date(2026, 10, 5), THIS_QUARTER, NEXT_QUARTER, -5_000, None, early)
    assert (gap.this.quota_left, gap.this.still_needed) == (0, 0.0)
    assert gap.next is None


@pytest.mark.parametrize(
    "history",
    [None, History(), History(won=0, lost=4, implausible=3), History(won=2, lost=1, won_amount=0, won_with_amount=0)],
)
def test_no_gap_is_made_up_without_a_plausible_win_with_an_amount(history):
    assert opening_gap(history, YOURS, TODAY, THIS_QUARTER, NEXT_QUARTER, 60_000, 60_000, []) is None


def test_no_gap_without_any_quota():
    assert opening_gap(FORTY_DAYS, YOURS, TODAY, THIS_QUARTER, NEXT_QUARTER, None, None, []) is None


# --- as the rep sees it -----------------------------------------------------------------------------


def test_the_real_gap_from_the_reps_own_history_with_this_quarter_already_decided(bot):
    closed_history(bot)
    quotas.set_quota(bot.db, "T1", "U1", date(2027, 1, 1), 300_000, bot.clock())
    text = health_text(bot, "quota 100k", "new Fresh lead 15k", "new Another lead 15k")
    shows(
        text,
        """
        *Openings still needed:* This quarter is already decided by what is open today; about 24 next quarter.
        Next quarter: $300,000 to win needs about 25 openings;
        your 2 early-stage deals will likely bring about 1 opening's worth.
        At your 40% win rate, $30,000 average win and about 40 days from open to won.
        A deal opened today would likely close after 31 Dec:
        what is open now carries that, and today's openings build the period after.
        """,
    )


def test_a_new_rep_sees_the_gap_from_the_teams_history_and_a_slow_cycle_decides_next_quarter_too(bot):
    closed_history(bot, user="U2", cycle=150)
    quotas.set_quota(bot.db, "T1", "U1", date(2027, 1, 1), 90_000, bot.clock())
    text = health_text(bot, "quota 100k", user="U1")
    shows(
        text,
        """
        *Openings still needed:* This quarter is already decided by what is open today;
        next quarter is already decided by what is open today.
        At the team's 40% win rate, $30,000 average win and about 150 days from open to won.
        A deal opened today would likely close after 31 Mar 2027
        """,
    )


def test_wins_logged_the_day_they_were_opened_are_flagged_and_left_out(bot):
    closed_history(bot)
    for name in ("Instant one", "Instant two"):
        say(bot, f"new {name} 90k")
        say(bot, f"won {name.lower()}")
    quotas.set_quota(bot.db, "T1", "U1", date(2027, 1, 1), 300_000, bot.clock())
    text = health_text(bot)
    shows(
        text,
        """
        Win rate 40% (yours: 2 won of 5 closed).
        Average win $30,000 (yours).
        About 40 days from open to won
        Left out: 2 wins were logged less than a day after opening
        """,
    )
    assert "About 0 days" not in text and "about 25 openings" in text


def test_only_wins_on_the_day_they_were_opened_mean_not_enough_history(bot):
    say(bot, "new Instant one 90k")
    say(bot, "won instant one")
    for name in ("Gone A", "Gone B", "Gone C", "Gone D", "Gone E"):
        say(bot, f"new {name} 10k")
        say(bot, f"lost {name.lower()}")
    text = health_text(bot, "quota 100k")
    assert "Not enough history yet to say what next quarter needs" in text
    assert "Left out: 1 win was logged less than a day after opening" in text
    assert "About 0 days" not in text and "Openings still needed" not in text


def test_a_period_the_early_pipeline_covers_needs_none_more(bot):
    closed_history(bot)
    quotas.set_quota(bot.db, "T1", "U1", date(2027, 1, 1), 30_000, bot.clock())
    text = health_text(bot, "new Fresh lead 90k close:2027-02-01")
    assert "*Openings still needed:* None more next quarter, as things stand." in text
    assert "your 1 early-stage deal will likely bring about 3 openings' worth" in text
