"""Checkpoints that learn, and words that never contradict what the rep chose: after two "not yet"s the
checkpoint asks when to detach (a date or a sign, kept with the obstacle); after "step back" the coach
offers a prospecting block at once and asks what would restart the deal; the next nudge stops asking about
the paused deal's hours or a checkpoint already passed; and "Lost" asks one question about what it taught,
kept with the rep's reflections."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.messages import coaching as coaching_views
from bot.messages import lessons
from bot.messages import obstacles as views
from storage import answers
from storage import obstacles as store
from tests.driver import picked_date, typed
from tests.test_checkpoint_jobs import WEDNESDAY_9AM_NEW_YORK, answer, answered_at_its_checkpoint, named_with_checkpoint
from tests.test_coaching_jobs import (
    FRIDAY_3PM_NEW_YORK,
    MONDAY_10AM_NEW_YORK,
    click,
    dms,
    nudged_on_acme,
    opened_view,
    run,
    say,
    the_nudge,
)


def not_yet(bot, checkpoint: str) -> None:
    """Answer the latest checkpoint question "not yet", with a new checkpoint."""
    before, sent = len(bot.slack.of("views.open")), len(dms(bot))
    click(bot, views.NOT_YET, dms(bot)[-1])
    view = opened_view(bot, before + 1)
    assert bot.driver.submit(view, {"checkpoint": picked_date(checkpoint)}).status == 200
    bot.slack.wait_for("chat.postMessage", sent + 1, channel="U1")  # "I'll ask again on …"


def reflections(bot) -> str:
    say(bot, "reflections")
    return json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)


def test_after_two_not_yets_the_checkpoint_asks_when_to_detach_and_keeps_the_answer(bot):
    named_with_checkpoint(bot)  # budget, checkpoint Wednesday 25 Nov
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    not_yet(bot, "2026-12-02")
    run(bot, "checkpoints", datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert "Has it moved?" in json.dumps(dms(bot)[-1]["blocks"])
    not_yet(bot, "2026-12-09")

    assert run(bot, "checkpoints", datetime(2026, 12, 9, 15, 0, tzinfo=UTC)).sent == 1
    third = dms(bot)[-1]
    body = json.dumps(third["blocks"], ensure_ascii=False)
    assert "*When should you detach?*" in body and "Has it moved?" not in body
    assert views.DETACH_WHEN in json.dumps(third) and views.NOT_YET not in json.dumps(third)

    click(bot, views.DETACH_WHEN, third)
    form = opened_view(bot, 3)
    assert form["callback_id"] == views.DETACH_VIEW
    empty = bot.driver.submit(form, {"detach_on": picked_date(None), "condition": typed("")})
    assert empty.json["response_action"] == "errors" and "condition" in empty.json["errors"]
    done = bot.driver.submit(
        form, {"detach_on": picked_date("2026-12-23"), "condition": typed("their board postpones it again")}
    )
    assert done.status == 200
    said = bot.slack.wait_for("chat.postMessage", 6, channel="U1")[-1].args["text"]
    assert "you'll step back from *Acme renewal* on 23 Dec or when their board postpones it again" in said

    [kept] = store.open_obstacles(bot.db, "T1").values()
    assert (kept.detach_on, kept.detach_condition, kept.checkpoint) == (
        date(2026, 12, 23),
        "their board postpones it again",
        date(2026, 12, 23),
    )
    assert "When should you detach from Acme renewal?" in reflections(bot)

    assert run(bot, "checkpoints", datetime(2026, 12, 23, 15, 0, tzinfo=UTC)).sent == 1
    reminder = json.dumps(dms(bot)[-1]["blocks"], ensure_ascii=False)
    assert "You said you would step back on 23 Dec or when their board postpones it again." in reminder
    assert "Has it moved?" in reminder


def test_step_back_offers_prospecting_at_once_and_asks_what_would_restart_the_deal(bot):
    named_with_checkpoint(bot)
    say(bot, "log acme 4h")
    say(bot, "log acme 3h yesterday")
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)

    reply = answer(bot, views.STEP_BACK, dms(bot)[0])
    body = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "7h went to *Acme renewal* in the last fortnight: plan 2h of prospecting this week?" in body

    click(bot, coaching_views.PLAN_BLOCK, reply)
    plan = opened_view(bot)
    assert plan["callback_id"] == coaching_views.PLAN_VIEW
    length = next(block for block in plan["blocks"] if block.get("block_id") == "minutes")
    assert length["element"]["initial_option"]["value"] == "120"

    click(bot, views.RESTART_SIGNAL, reply)
    signal = opened_view(bot, 2)
    assert signal["callback_id"] == views.RESTART_VIEW
    assert bot.driver.submit(signal, {"answer": typed("Their new CFO asks for a proposal")}).status == 200
    kept = bot.slack.wait_for("chat.postMessage", 2, channel="U1")[-1].args["text"]
    assert "*Acme renewal* is worth your hours again" in kept
    shown = reflections(bot)
    assert "What signal would restart Acme renewal?" in shown and "Their new CFO asks for a proposal" in shown


def test_after_a_step_back_the_nudge_asks_about_prospecting_not_the_paused_deals_hours(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme timing checkpoint:wednesday")
    run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK)
    answer(bot, views.STEP_BACK, dms(bot)[0])

    bot.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # the Monday after, 10:00 in New York
    say(bot, "new Beta pilot 5k")
    say(bot, "log acme 7h")
    nudge = the_nudge(bot)
    assert "You stepped back from *Acme renewal*" in nudge
    assert "deserve every hour" not in nudge
    assert "Those hours are no longer a question to weigh" in nudge
    assert "If you stepped back until the checkpoint" not in nudge  # the checkpoint has passed


def test_an_obstacle_named_last_evening_has_stood_since_yesterday(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(hours=16))  # Sunday 18:00 in New York, 23:00 UTC
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme budget")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    say(bot, "new Beta pilot 12k")
    nudge = nudged_on_acme(bot)
    assert "which has been waiting on budget since yesterday." in nudge


def test_lost_at_a_checkpoint_asks_what_it_taught_and_keeps_the_answer(bot):
    reply = answered_at_its_checkpoint(bot, views.LOST)
    body = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "What did Acme renewal teach you that you'll use on the next deal?" in body
    assert "Every closed deal teaches something" not in body

    click(bot, lessons.KEEP_LESSON, reply)
    form = opened_view(bot)
    assert form["callback_id"] == lessons.LESSON_VIEW
    assert bot.driver.submit(form, {"answer": typed("  ")}).json["response_action"] == "errors"
    assert bot.driver.submit(form, {"answer": typed("Find the budget owner in week one")}).status == 200
    assert "Kept" in bot.slack.wait_for("chat.postMessage", 2, channel="U1")[-1].args["text"]
    [lesson] = [item for item in answers.recent_answers(bot.db, "T1", "U1") if item.kind == answers.LESSON]
    assert (lesson.answer, lesson.question_id) == ("Find the budget owner in week one", "1")
    assert "Find the budget owner in week one" in reflections(bot)


def test_lost_from_the_command_asks_the_same_question(bot):
    say(bot, "new Beta pilot 12k")
    say(bot, "lost beta")
    reply = bot.slack.of("response_url")[-1].args
    assert "What did Beta pilot teach you" in json.dumps(reply)
    button = next(
        element
        for block in reply["blocks"]
        for element in ([block["accessory"]] if "accessory" in block else [])
        if element.get("action_id") == lessons.KEEP_LESSON
    )
    assert json.loads(button["value"]) == {"o": 1}


def test_the_next_weekly_reflection_returns_to_the_lesson_kept(bot):
    say(bot, "new Beta pilot 12k")
    say(bot, "lost beta")
    click(bot, lessons.KEEP_LESSON, bot.slack.of("response_url")[-1].args)
    form = opened_view(bot)
    assert bot.driver.submit(form, {"answer": typed("Qualify the timeline <before> the demo")}).status == 200
    bot.slack.wait_for("chat.postMessage", 1, channel="U1")

    assert run(bot, "reflections", FRIDAY_3PM_NEW_YORK).sent == 1
    reflection = dms(bot)[-1]
    body = json.dumps(reflection["blocks"], ensure_ascii=False)
    assert "You kept a lesson lately (_What did Beta pilot teach you" in body
    assert "> Qualify the timeline &lt;before&gt; the demo" in body
    [question_id] = [
        json.loads(element["value"])["q"]
        for block in reflection["blocks"]
        for element in ([block["accessory"]] if "accessory" in block else [])
    ]
    assert question_id.startswith("lesson-")

    assert run(bot, "reflections", FRIDAY_3PM_NEW_YORK + timedelta(weeks=2)).sent == 1  # the lesson is older now
    later = json.dumps(dms(bot)[-1]["blocks"], ensure_ascii=False)
    assert "You kept a lesson" not in later and "lesson-" not in later


def test_a_rep_who_lost_nothing_is_never_asked_about_a_lesson(bot):
    say(bot, "new Something 5k")
    for week in range(12):
        run(bot, "reflections", FRIDAY_3PM_NEW_YORK + timedelta(weeks=week))
    assert not [message for message in dms(bot) if "lesson-" in json.dumps(message)]
