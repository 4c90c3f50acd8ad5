"""Health and Home look ahead: whether the number rides on one deal, and how many new opportunities next
period's quota needs each week against the rep's current pace, with every input shown."""

from __future__ import annotations

import json
from datetime import date, timedelta

from storage import outbox, quotas
from tests.reading import shows
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, concentrated_history, run, say, the_nudge
from tests.waiting import a_home_shows


def health_text(bot, *typed: str, user: str = "U1") -> str:
    """What `/opportunity health` shows `user` after they typed each of `typed`."""
    for text in (*typed, "health"):
        say(bot, text, user)
    return json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)


def closed_history(bot, user: str = "U1", won: int = 2, lost: int = 3, cycle: int = 40) -> None:
    """Deals opened `cycle` + 40 days ago; `won` of them won `cycle` days later at $30,000 each, the rest lost."""
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=cycle + 40))
    names = [f"Old deal {chr(65 + index)}" for index in range(won + lost)]
    for name in names:
        say(bot, f"new {name} 30k", user)
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=40))
    for index, name in enumerate(names):
        say(bot, f"{'won' if index < won else 'lost'} {name.lower()}", user)
    bot.clock.set(MONDAY_10AM_NEW_YORK)


def test_a_number_riding_on_one_deal_is_flagged_with_a_question(bot):
    text = health_text(bot, "quota 100k", "new Acme renewal 60k close:dec 15", "new Beta pilot 10k close:dec 20")
    assert ":dart: *Your number rides on one deal:* *Acme renewal* ($60,000) is 60% of the $100,000" in text
    assert "Is the need to make your number what drives this pursuit?" in text


def test_a_number_spread_over_deals_is_shown_but_not_flagged(bot):
    text = health_text(bot, "quota 100k", "new Acme renewal 50k close:dec 15")
    assert "*Your number and your largest deal:* *Acme renewal* ($50,000) is 50%" in text
    assert "rides on one deal" not in text


def test_a_deal_closing_next_quarter_does_not_carry_this_ones_number(bot):
    assert "Your number" not in health_text(bot, "quota 100k", "new Acme renewal 90k close:2027-02-01")


def test_the_needed_opening_pace_comes_from_the_reps_own_history_with_each_input(bot):
    closed_history(bot)
    quotas.set_quota(bot.db, "T1", "U1", date(2027, 1, 1), 300_000, bot.clock())
    text = health_text(bot, "new Fresh lead 10k", "new Another lead 10k")
    shows(
        text,
        """
        You open 0.3 a week; next quarter's quota needs about 1.9.
        Win rate 40% (yours: 2 won of 5 closed).
        Average win $30,000 (yours).
        About 40 days from open to won, so next quarter is already being decided by what is open today
        (its deals were due to open from 22 Nov).
        Next quarter's quota: $300,000.
        Your openings: 0.3 a week over the last 8 weeks.
        """,
    )


def test_deals_closed_over_two_years_ago_no_longer_make_the_win_rate(bot):
    closed_history(bot)  # 2 won of 5, closed 40 days ago
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=800))
    for name in ("Ancient A", "Ancient B", "Ancient C"):
        say(bot, f"new {name} 30k")
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=760))
    for name in ("ancient a", "ancient b", "ancient c"):
        say(bot, f"won {name}")  # three wins of long ago: how this rep sold then, not now
    bot.clock.set(MONDAY_10AM_NEW_YORK)

    text = health_text(bot, "quota 100k", "new Fresh lead 10k")
    assert "Win rate 40% (yours: 2 won of 5 closed)." in text
    assert "your own win rate over 5 closed deals implies 2.5×" in text
    closed_history(bot, user="U2", won=1, lost=1)  # U2's own two: too few, so U2 borrows the team's
    assert "Win rate 43% (the team's: 3 won of 7 closed)." in health_text(bot, user="U2")


def test_without_enough_history_it_says_so_rather_than_guess(bot):
    text = health_text(bot, "new Fresh lead 10k", "quota 100k")
    assert "Not enough history yet to say what next quarter needs (you open 0.1 a week)." in text
    assert "needs about" not in text


def test_a_new_rep_borrows_the_teams_figures_until_they_have_closed_five(bot):
    closed_history(bot, user="U2")
    # this quarter's quota, as next quarter's is not set
    text = health_text(bot, "quota 300k", "new Fresh lead 10k", user="U1")
    shows(
        text,
        """
        Win rate 40% (the team's: 2 won of 5 closed).
        This quarter's quota (next quarter's isn't set): $300,000.
        Team figures until you have closed enough deals of your own.
        needs about 1.9
        """,
    )


def test_home_shows_the_number_and_the_pace(bot):
    say(bot, "quota 100k")
    say(bot, "new Acme renewal 60k close:dec 15")
    bot.driver.open_home("U1")
    assert a_home_shows(bot, "Your number rides on one deal", "New opportunities you need")


def test_the_nudge_gives_the_number_as_a_reason_and_asks_about_it(bot):
    say(bot, "quota 60k")
    concentrated_history(bot, acme="new Acme renewal 48k close:dec 15")

    body = the_nudge(bot)
    assert ":dart: Your number rides on one deal: *Acme renewal* is 80% of the quota still to win this quarter." in body
    assert any(
        question in body
        for question in (
            "mainly because you need it for the number",
            "If your quota were already met",
            "most hopeful about",
            "pressure of the number",
        )
    )


def test_a_rep_whose_number_rides_on_one_deal_gets_a_reflection_about_the_number(bot):
    say(bot, "quota 60k")
    say(bot, "new Acme renewal 48k close:dec 15")
    say(bot, "coach reflections mon 10:00")
    assert run(bot, "reflections").sent == 1
    assert outbox.messages_for(bot.db, "T1", "U1")[0].kind == "reflection"
    with bot.db.transaction() as session:
        from storage.models import ScheduledMessage

        [row] = session.query(ScheduledMessage).filter_by(recipient_id="U1", kind="reflection").all()
    assert row.question_id.startswith("number-")


def test_a_deal_worth_more_than_all_that_is_left_is_said_plainly(bot):
    text = health_text(bot, "quota 50k", "new Acme renewal 60k close:dec 15")
    assert "*Acme renewal* ($60,000) alone would cover the $50,000 still to win this quarter" in text
