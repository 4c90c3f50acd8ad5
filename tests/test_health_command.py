"""A rep asks `/opportunity health` and sees their own pipeline at a glance, privately."""

from __future__ import annotations

import json
from datetime import date, timedelta

from storage import activities as acts
from storage import opportunities as store
from storage import quotas, records
from storage.records import NewActivity
from tests.reading import shows


def deal(bot, name: str, amount: int | None = None, days_old: int = 0, user: str = "U1", **fields) -> int:
    new = records.NewOpportunity(name=name, stage="Discovery", amount=amount, **fields)
    return store.create_opportunity(bot.db, "T1", user, new, bot.clock() - timedelta(days=days_old)).id


def health(bot, count: int = 1, **kwargs) -> tuple[dict, str]:
    reply = bot.command("health", **kwargs)
    assert reply.status == 200 and reply.seconds < 3.0
    report = bot.last_reply(count)
    return report, json.dumps(report["blocks"], ensure_ascii=False)


def test_a_new_rep_gets_an_encouraging_empty_report(bot):
    report, text = health(bot)

    assert report["response_type"] == "ephemeral"
    assert report["text"] == "Your pipeline: 0 open opportunities worth $0."
    shows(
        text,
        """
        set a quota to see it
        nothing logged yet. Try `/prospect 25 calls 2h`
        no open pipeline with amounts yet
        *Stalled deals:* none
        """,
    )


def test_the_report_shows_every_figure_from_what_the_rep_logged(bot):
    acme = deal(bot, "Acme renewal", 100_000, expected_close=date(2026, 12, 15))
    deal(bot, "Globex pilot", 40_000, days_old=5)
    deal(bot, "Initech", 20_000, days_old=40)
    won = deal(bot, "Hooli", 50_000, days_old=9)
    store.move_stage(bot.db, "T1", "U1", won, "Won", bot.clock(), status=records.WON)
    quotas.set_quota(bot.db, "T1", "U1", date(2026, 10, 1), 250_000, bot.clock())
    bot.command(f"log #{acme} 6h")
    bot.command("log globex 1h yesterday")
    bot.driver.command("/prospect", "25 calls 2h")
    bot.driver.command("/prospect", "3 meetings booked")
    bot.replies(4)

    _, text = health(bot, 5)

    assert "3 opportunities worth $160,000" in text
    # $100,000 closes this quarter; $250,000 − $50,000 won = $200,000 still to win.
    shows(
        text,
        """
        *Coverage: 0.5×* (target 3×)
        $100,000 of open deals expected to close by Thu 31 Dec
        $200,000 of quota still to win
        """,
    )
    # This week: Acme; last week Globex, the week before Hooli; then nothing: a 3-week streak.
    shows(
        text,
        """
        *Opened this week:* 1 (your average over the last 4 weeks: 0.5)
        *Streak:* 3 weeks in a row
        *Prospecting this week:* 25 calls · 3 meetings, 2h in all.
        last 14 days, 9h logged
        `▇▇▇▇▇▇▇▁▁▁` 67% Acme renewal
        `▇▇▁▁▁▁▁▁▁▁` 22% Prospecting
        `▇▁▁▁▁▁▁▁▁▁` 11% Globex pilot
        67% of your selling time went to *Acme renewal*
        """,
    )
    assert "equivalent of 1.3 equal-sized deals" in text  # 420² ÷ (360² + 60²) = 1.35…
    assert "($100,000) is 63% of your open pipeline: :warning: above 30%" in text
    assert "*Stalled deals (1):*" in text and "Initech · $20,000 · last change 40 days ago" in text


def test_the_win_rate_target_shows_once_five_deals_have_closed(bot):
    for number in range(5):
        closed = deal(bot, f"Closed {number}", 1_000)
        status, stage = (records.WON, "Won") if number < 2 else (records.LOST, "Lost")
        store.move_stage(bot.db, "T1", "U1", closed, stage, bot.clock(), status=status)
    quotas.set_quota(bot.db, "T1", "U1", date(2026, 10, 1), 10_000, bot.clock())

    _, text = health(bot)
    assert "your own win rate over 5 closed deals implies 2.5×" in text


def test_a_met_quota_is_celebrated_instead_of_a_ratio(bot):
    won = deal(bot, "Big one", 300_000)
    store.move_stage(bot.db, "T1", "U1", won, "Won", bot.clock(), status=records.WON)
    quotas.set_quota(bot.db, "T1", "U1", date(2026, 10, 1), 250_000, bot.clock())

    _, text = health(bot)
    assert "quota met for this quarter" in text and "inf" not in text


def test_a_rep_sees_only_their_own_workspace_and_deals(bot):
    theirs = deal(bot, "Their secret deal", 900_000, user="U2")
    acts.log_activity(
        bot.db,
        "T1",
        "U2",
        NewActivity(kind="deal", occurred_on=date(2026, 11, 23), minutes=60, opportunity_id=theirs),
        bot.clock(),
    )
    _, text = health(bot)
    assert "Their secret deal" not in text and "900,000" not in text

    deal(bot, "Mine", 5_000)
    _, elsewhere = health(bot, 2, team="T2")
    assert "Mine" not in elsewhere and "0 open opportunities" in json.dumps(bot.last_reply(2))


def test_a_busy_rep_still_gets_a_report_inside_slacks_limits(bot):
    for number in range(30):
        opp = deal(bot, f"Deal number {number} " + "<!here>" * 10, 1_000 * (number + 1), days_old=60)
        acts.log_activity(
            bot.db,
            "T1",
            "U1",
            NewActivity(kind="deal", occurred_on=date(2026, 11, 20), minutes=10 + number, opportunity_id=opp),
            bot.clock(),
        )
    deal(bot, "Quiet " + "x" * 110, 1, days_old=90)

    report, text = health(bot)

    assert len(report["blocks"]) <= 50
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in report["blocks"])
    assert "<!here>" not in text
    assert "22 other deals" in text  # 8 rows shown, the rest summed up
    assert "*Stalled deals (1):*" in text


def test_stalled_days_and_the_window_follow_the_settings(make_bot):
    bot = make_bot(stalled_days=30, health_window_days=7)
    deal(bot, "Twenty days quiet", 1_000, days_old=20)

    _, text = health(bot)
    assert "*Stalled deals:* none" in text and "last 30 days" in text
    assert "last 7 days" in text


def test_weeks_and_days_are_the_teams_not_utc(make_bot):
    bot = make_bot(team_timezone="America/Los_Angeles")  # Monday 15:00 UTC is Monday 07:00 in Los Angeles
    new = records.NewOpportunity(name="Late Sunday deal", stage="Discovery")
    store.create_opportunity(bot.db, "T1", "U1", new, bot.clock() - timedelta(hours=10))  # Sunday 21:00 local

    _, text = health(bot)
    assert "*Opened this week:* 0" in text
    assert "*Streak:* 1 week in a row" in text
