"""Coaching the leaders on creation: each manager gets one private weekly DM at their own slot and zone,
about openings against the pace next period needs, quiet prospecting as a count, and early-stage deals;
`/opportunity team` shows the same figures. Also run through `python -m bot jobs run … --now`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from storage import activities, obstacles, opportunities, outbox
from storage.records import NewActivity, NewObstacle, NewOpportunity
from tests.test_cli import bot_cli
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, dms, run, say

NEXT_MONDAY_0830_NEW_YORK = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)


def last_week_of_creation(bot) -> None:
    """U1 and U2 open three deals in the week of 23 November; only U2 prospects."""
    say(bot, "new Acme renewal 48k", "U1")
    say(bot, "new Globex pilot 20k", "U2")
    say(bot, "new Initech upsell 5k stage:proposal", "U2")
    say(bot, "20 calls 2h", "U2", command="/prospect")


def test_each_manager_gets_one_creation_digest_at_their_own_slot(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    last_week_of_creation(bot)

    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK - timedelta(minutes=15)).sent == 0
    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2  # the DM and its picture
    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + timedelta(minutes=15)).sent == 0

    [digest] = dms(bot, "UBOSS")
    body = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "3 new opportunities opened last week, by 2 of 2 reps" in body
    assert "Not enough history yet to say what next quarter needs (the team opens 0.4 a week)" in body
    assert "1 rep has logged none in 14 days" in body and "A question to bring to your one-to-ones" in body
    assert "Early-stage deals worth your attention* (2 in Prospecting, Discovery)" in body
    assert "Acme renewal" in body and "Globex pilot" in body and "Initech upsell" not in body  # late stage
    prospecting = next(block["text"]["text"] for block in digest["blocks"] if "*Prospecting:*" in str(block))
    assert "<@" not in prospecting, "quiet reps are counted, never named"
    assert dms(bot, "U1") == dms(bot, "U2") == []
    records = outbox.messages_for(bot.db, "T1", "UBOSS")
    assert sorted((record.kind, record.period_key) for record in records) == [
        ("leader_chart", "2026-11-30"),
        ("leader_digest", "2026-11-30"),
    ]


def test_a_manager_in_another_zone_gets_it_at_their_own_half_past_eight(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.slack.always("users.info", lambda args: {"ok": True, "user": {"id": args["user"], "tz": "Europe/Berlin"}})
    last_week_of_creation(bot)
    assert run(bot, "leader_digest", datetime(2026, 11, 30, 7, 15, tzinfo=UTC)).sent == 0
    assert (
        run(bot, "leader_digest", datetime(2026, 11, 30, 7, 30, tzinfo=UTC)).sent == 2
    )  # 08:30 in Berlin: the DM and its picture


def test_a_manager_can_switch_it_off_or_snooze_it_like_a_rep(make_bot):
    bot = make_bot(manager_ids="UBOSS,UCHIEF", manager_slot="tue 09:00")
    last_week_of_creation(bot)
    say(bot, "coach off", "UBOSS")
    say(bot, "coach snooze 2w", "UCHIEF")
    tuesday_9am = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert run(bot, "leader_digest", tuesday_9am).sent == 0
    say(bot, "coach on", "UBOSS")
    assert run(bot, "leader_digest", tuesday_9am).sent == 2
    assert len(dms(bot, "UBOSS")) == 1 and dms(bot, "UCHIEF") == []


def test_no_managers_no_digest(bot):
    last_week_of_creation(bot)
    report = run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK)
    assert report.sent == 0 and report.outcomes["no managers"] == 1
    assert all(call.args["channel"] == "CWINS" for call in bot.slack.of("chat.postMessage"))  # celebrations only


def test_the_team_view_gains_the_same_creation_figures_without_deal_names(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=7))
    last_week_of_creation(bot)
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    say(bot, "team", "UBOSS")
    text = json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)
    assert "*Creation:* 3 new opportunities opened last week, by 2 of 2 reps" in text
    assert "1 rep has logged none in 14 days" in text
    assert "*Early-stage deals:* 2 in Prospecting, Discovery" in text
    assert "Acme renewal" not in text


def test_the_checkpoint_job_runs_from_the_command_line_at_a_chosen_instant(slack, db):
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    deal = opportunities.create_opportunity(db, "T1", "U1", NewOpportunity("Acme renewal", "Discovery"), now)
    obstacles.name_obstacle(db, "T1", "U1", deal.id, NewObstacle("budget", None, date(2026, 11, 25)), now)
    activities.log_activity(db, "T1", "U1", NewActivity(kind="calls", occurred_on=now.date(), touches=1), now)

    early = bot_cli("jobs", "run", "checkpoints", "--now", "2026-11-24T15:00:00Z", slack=slack, database_url=db.url)
    assert early.returncode == 0, early.stderr
    assert slack.of("chat.postMessage") == []
    first = bot_cli("jobs", "run", "checkpoints", "--now", "2026-11-25T15:00:00Z", slack=slack, database_url=db.url)
    assert first.returncode == 0, first.stderr
    assert "sent 1" in first.stdout
    [dm] = slack.of("chat.postMessage")
    assert dm.args["channel"] == "U1" and "Checkpoint for Acme renewal" in dm.args["text"]
    again = bot_cli("jobs", "run", "checkpoints", "--now", "2026-11-25T15:15:00Z", slack=slack, database_url=db.url)
    assert again.returncode == 0 and "sent 1" not in again.stdout
