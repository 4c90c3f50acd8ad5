"""Every rep counts and the openers are credited: the leaders' weekly DM counts the SDR who stopped
prospecting even without a deal, names who opened what (bounded for a large team), and a week with no
openings says so with one thing to try."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, dms, run, say
from tests.test_leader_digest import NEXT_MONDAY_0830_NEW_YORK, last_week_of_creation


def the_digest(bot) -> str:
    [digest] = dms(bot, "UBOSS")
    return json.dumps(digest["blocks"], ensure_ascii=False)


def an_sdr_who_stopped_prospecting_twenty_days_ago(bot) -> None:
    bot.clock.set(NEXT_MONDAY_0830_NEW_YORK - timedelta(days=20))
    say(bot, "30 calls 3h", "USDR", command="/prospect")
    bot.clock.set(MONDAY_10AM_NEW_YORK)


def test_the_sdr_with_no_deals_who_stopped_prospecting_is_counted_as_quiet(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    an_sdr_who_stopped_prospecting_twenty_days_ago(bot)
    last_week_of_creation(bot)

    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2
    body = the_digest(bot)
    assert "3 new opportunities opened last week, by 2 of 3 reps" in body
    assert "2 reps have logged none in 14 days" in body  # U1, who owns a deal, and the SDR, who owns none
    assert "everyone logged some" not in body

    bot.clock.set(NEXT_MONDAY_0830_NEW_YORK)
    say(bot, "team", "UBOSS")
    team = json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)
    assert "by 2 of 3 reps" in team and "2 reps have logged none in 14 days" in team
    assert "<@USDR>" in team, "the team view lists the SDR among the reps"


def test_the_leaders_dm_credits_who_opened_what_most_first(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    last_week_of_creation(bot)
    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2
    assert "*Who opened them:* <@U2> opened 2, <@U1> 1." in the_digest(bot)


def test_a_large_team_names_the_top_openers_and_counts_the_rest(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    for number in range(1, 10):  # U01 opens 9, U02 8, … U09 1: 45 in all
        for deal in range(10 - number):
            say(bot, f"new Deal {number}-{deal} 5k", f"U0{number}")
    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2
    body = the_digest(bot)
    assert "<@U01> opened 9, <@U02> 8, <@U03> 7, <@U04> 6, <@U05> 5, <@U06> 4, and 3 others opened 6." in body
    assert "<@U07>" not in body


def test_a_week_with_no_openings_says_so_with_one_thing_to_try(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(weeks=2))
    say(bot, "new Acme renewal 48k", "U1")  # a rep, but nothing opened last week
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2
    [digest] = dms(bot, "UBOSS")
    body = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "no new opportunities last week across 1 rep. One thing to try: book one 45-minute" in body
    assert "0 new opportunities" not in body and "by 0 of" not in body and "Who opened" not in body
    assert digest["text"].startswith("No new opportunities on your team last week")
