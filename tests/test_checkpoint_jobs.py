"""Checkpoints, kept: on the morning of an obstacle's checkpoint the rep is asked, once, whether it has
moved, and their answer (Moved, Not yet, Step back, Lost) changes what the coach says next."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.messages import obstacles as views
from storage import answers, opportunities, outbox
from storage import obstacles as store
from tests.driver import picked_date
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, click, dms, opened_view, run, say, the_nudge

WEDNESDAY_9AM_NEW_YORK = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def named_with_checkpoint(bot, checkpoint: str = "wednesday", user: str = "U1") -> None:
    say(bot, "new Acme renewal 48k", user)
    say(bot, f'obstacle acme budget "no money until Q2" checkpoint:{checkpoint}', user)


def answer(bot, action_id: str, message: dict) -> dict:
    before = len(bot.slack.of("response_url"))
    click(bot, action_id, message)
    return bot.slack.wait_for("response_url", before + 1)[-1].args


def answered_at_its_checkpoint(bot, action_id: str) -> dict:
    """Acme renewal's budget obstacle, asked about on its Wednesday checkpoint and answered `action_id`: the reply."""
    named_with_checkpoint(bot)
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    return answer(bot, action_id, dms(bot)[0])


def test_the_checkpoint_is_asked_once_on_its_morning_in_the_reps_own_hours(bot):
    named_with_checkpoint(bot)

    assert run(bot, "checkpoints", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)).sent == 0  # Tuesday
    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK - timedelta(minutes=1)).sent == 0  # 08:59 there
    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK).sent == 1
    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK + timedelta(minutes=15)).sent == 0
    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK + timedelta(days=1)).sent == 0

    [question] = dms(bot)
    body = json.dumps(question["blocks"], ensure_ascii=False)
    assert "Checkpoint for Acme renewal" in body and "waiting on budget since 23 Nov" in body
    assert "no money until Q2" in body and "Has it moved?" in body
    assert [element["action_id"] for element in question["blocks"][1]["elements"]] == [
        views.MOVED,
        views.NOT_YET,
        views.STEP_BACK,
        views.LOST,
    ]
    [record] = [item for item in outbox.messages_for(bot.db, "T1", "U1") if item.kind == "checkpoint"]
    assert (record.period_key, record.status) == ("obstacle-1-2026-11-25", "sent")


def test_a_weekend_checkpoint_waits_for_monday_and_a_stale_one_is_not_asked(bot):
    named_with_checkpoint(bot, "2026-11-28")  # a Saturday
    assert run(bot, "checkpoints", datetime(2026, 11, 28, 15, 0, tzinfo=UTC)).sent == 0
    assert run(bot, "checkpoints", datetime(2026, 11, 30, 15, 0, tzinfo=UTC)).sent == 1

    say(bot, "new Beta pilot 12k")
    say(bot, "obstacle beta timing checkpoint:2026-12-01")
    assert run(bot, "checkpoints", datetime(2026, 12, 9, 15, 0, tzinfo=UTC)).sent == 0  # eight days on


def test_coaching_off_snoozed_and_unreachable_reps_are_not_asked(bot):
    named_with_checkpoint(bot, user="U1")
    say(bot, "coach off", "U1")
    named_with_checkpoint(bot, user="U2")
    say(bot, "coach snooze 1w", "U2")
    named_with_checkpoint(bot, user="U3")
    bot.slack.always("users.info", lambda args: {"ok": False, "error": "user_not_found"})

    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK).sent == 0
    assert dms(bot, "U1") == dms(bot, "U2") == dms(bot, "U3") == []


def test_moved_clears_the_obstacle_and_the_answer_is_kept(bot):
    named_with_checkpoint(bot)
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)

    reply = answer(bot, views.MOVED, dms(bot)[0])
    assert reply["replace_original"] is True and "moved past budget" in reply["text"]
    assert store.open_obstacles(bot.db, "T1") == {}
    assert [item.outcome for item in store.history(bot.db, "T1", 1)] == ["moved"]
    say(bot, "reflections")
    assert "Has budget on Acme renewal moved?" in json.dumps(bot.slack.of("response_url")[-1].args)

    again = answer(bot, views.MOVED, dms(bot)[0])  # a second click on the old question
    assert "already answered" in again["text"]


def test_not_yet_opens_a_small_form_and_the_new_checkpoint_is_asked_on_its_own_day(bot):
    named_with_checkpoint(bot)
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    click(bot, views.NOT_YET, dms(bot)[0])
    view = opened_view(bot)
    assert view["callback_id"] == views.CHECKPOINT_VIEW

    assert bot.driver.submit(view, {"checkpoint": picked_date("2026-11-20")}).json["response_action"] == "errors"
    assert bot.driver.submit(view, {"checkpoint": picked_date("2026-12-07")}).status == 200
    confirmation = bot.slack.wait_for("chat.postMessage", 2, channel="U1")[-1].args  # the question, this
    assert "I'll ask again on Mon 7 Dec" in confirmation["text"]
    [found] = store.open_obstacles(bot.db, "T1").values()
    assert found.checkpoint == date(2026, 12, 7)

    assert run(bot, "checkpoints", datetime(2026, 12, 4, 15, 0, tzinfo=UTC)).sent == 0
    assert run(bot, "checkpoints", datetime(2026, 12, 7, 15, 0, tzinfo=UTC)).sent == 1
    [kept] = [item for item in answers.recent_answers(bot.db, "T1", "U1") if item.kind == answers.CHECKPOINT]
    assert (kept.answer, kept.planned_day) == ("not_yet", date(2026, 12, 7))


def test_step_back_pauses_the_deal_out_of_the_stalled_list_and_the_nudge_says_so(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=20))
    say(bot, "new Acme renewal 48k")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    say(bot, "obstacle acme politics checkpoint:wednesday")
    say(bot, "health")
    assert "Stalled deals (1)" in json.dumps(bot.slack.of("response_url")[-1].args)

    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    reply = answer(bot, views.STEP_BACK, dms(bot)[0])
    assert "stays open and paused" in reply["text"] and "not quitting" in json.dumps(reply["blocks"])
    assert opportunities.get_opportunity(bot.db, "T1", "U1", 1).status == "open"

    say(bot, "health")
    health = json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)
    assert "Stalled deals:* none" in health and "stepped back" in health
    say(bot, "list")
    assert "stepped back" in json.dumps(bot.slack.of("response_url")[-1].args)

    say(bot, "log acme 7h")
    say(bot, "new Beta pilot 5k")
    nudge = the_nudge(bot)
    assert "You stepped back from *Acme renewal* at its checkpoint" in nudge


def test_lost_closes_the_deal_as_lost_through_the_pipeline(bot):
    reply = answered_at_its_checkpoint(bot, views.LOST)
    assert "marked lost" in reply["text"]
    deal = opportunities.get_opportunity(bot.db, "T1", "U1", 1)
    assert (deal.status, deal.stage, deal.lost_reason) == ("lost", "Lost", "Obstacle: budget, no money until Q2")
    assert [change[1] for change in opportunities.stage_history(bot.db, "T1", 1)] == ["Prospecting", "Lost"]
    assert [item.outcome for item in store.history(bot.db, "T1", 1)] == ["lost"]


def test_a_closed_deals_checkpoint_is_never_asked(bot):
    named_with_checkpoint(bot)
    say(bot, "won acme")
    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK).sent == 0


def test_a_note_that_looks_like_a_mention_pings_nobody(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, 'obstacle acme politics "<!channel> & the CFO" checkpoint:wednesday')
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    body = json.dumps(dms(bot)[0]["blocks"])
    assert "&lt;!channel&gt; &amp; the CFO" in body and "<!channel>" not in body
