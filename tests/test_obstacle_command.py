"""Naming an obstacle: in one line, from the list's row menu, or from the nudge's "I'm choosing to focus"
form; the list, the health report and Home show it, every naming is kept, and the nudge uses it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.messages import coaching as coaching_views
from bot.messages import obstacles as views
from storage import answers
from storage import obstacles as store
from tests.driver import chosen, picked_date, typed
from tests.test_coaching_jobs import (
    MONDAY_10AM_NEW_YORK,
    click,
    concentrated_history,
    dms,
    opened_view,
    run,
    say,
    the_nudge,
)
from tests.waiting import a_home_shows


def last_text(bot) -> str:
    return json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)


def expansion_button(bot, line: str) -> dict:
    """Two deals match "acme", so typing `line` asks which one: the question's button for Acme expansion."""
    say(bot, "new Acme renewal 48k")
    say(bot, "new Acme expansion 20k")
    say(bot, line)
    question = bot.slack.of("response_url")[-1].args
    buttons = [element for block in question["blocks"] if block["type"] == "actions" for element in block["elements"]]
    return next(button for button in buttons if "expansion" in button["text"]["text"])


def test_a_rep_names_an_obstacle_and_a_checkpoint_in_one_line_and_the_list_shows_it(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=20))  # Tuesday 3 November
    say(bot, "new Acme renewal 48k")
    say(bot, 'obstacle acme budget "no money until Q2" checkpoint:15 jan')

    confirmation = last_text(bot)
    assert "waiting on budget" in confirmation and "no money until Q2" in confirmation
    assert "Checkpoint Fri 15 Jan 2027" in confirmation

    bot.clock.set(MONDAY_10AM_NEW_YORK)
    say(bot, "list")
    assert "waiting on budget since 3 Nov, checkpoint 15 Jan 2027" in last_text(bot)


def test_a_new_obstacle_replaces_the_old_one_none_clears_it_and_every_naming_is_kept(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme budget")
    say(bot, "obstacle acme politics the CFO defends the old vendor")
    say(bot, "obstacle acme none")
    assert "Cleared" in last_text(bot)

    say(bot, "list")
    assert "waiting on" not in last_text(bot)
    history = store.history(bot.db, "T1", 1)
    assert [(item.kind, item.outcome) for item in history] == [("budget", "replaced"), ("politics", "cleared")]
    assert history[1].note == "the CFO defends the old vendor"
    kept = [item for item in answers.recent_answers(bot.db, "T1", "U1") if item.kind == answers.OBSTACLE]
    assert [item.question for item in kept] == ["none", "politics", "budget"]


def test_a_typo_in_the_kind_gets_a_did_you_mean_and_nothing_is_stored(bot):
    say(bot, "new Acme renewal 48k")
    reply = bot.command("obstacle acme budgte")
    assert "Did you mean `budget`?" in reply.body
    assert store.open_obstacles(bot.db, "T1") == {}


def test_several_matching_deals_become_buttons_that_keep_what_was_typed(bot):
    button = expansion_button(bot, "obstacle acme timing checkpoint:friday")
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"type": "button", "action_id": button["action_id"], "value": button["value"]})
    bot.slack.wait_for("response_url", before + 1)
    [found] = store.open_obstacles(bot.db, "T1").values()
    assert (found.opportunity_id, found.kind, found.checkpoint) == (2, "timing", date(2026, 11, 27))


def test_nobody_names_an_obstacle_on_someone_elses_deal(bot):
    say(bot, "new Acme renewal 48k", user="U2")
    say(bot, "obstacle #1 budget")
    assert "couldn't find" in last_text(bot)
    assert store.open_obstacles(bot.db, "T1") == {}


def test_the_row_menu_opens_the_obstacle_form_with_errors_beside_the_fields(bot):
    say(bot, "new Acme renewal 48k")
    bot.driver.click(
        {"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "obstacle:1"}}
    )
    view = opened_view(bot)
    assert view["callback_id"] == views.OBSTACLE_VIEW
    assert [block.get("block_id") for block in view["blocks"][1:]] == ["kind", "note", "checkpoint"]

    wrong = bot.driver.submit(view, {"kind": chosen("weather"), "checkpoint": picked_date("2026-11-01")}).json
    assert wrong["response_action"] == "errors" and set(wrong["errors"]) == {"kind", "checkpoint"}
    assert store.open_obstacles(bot.db, "T1") == {}

    done = bot.driver.submit(
        view,
        {"kind": chosen("competing priority"), "note": typed("ERP rollout"), "checkpoint": picked_date("2026-12-07")},
    )
    assert done.status == 200 and not done.body
    confirmation = bot.slack.wait_for("chat.postEphemeral")[0].args
    assert "a competing priority" in confirmation["text"] and "ERP rollout" in confirmation["text"]
    [found] = store.open_obstacles(bot.db, "T1").values()
    assert (found.kind, found.checkpoint) == ("competing priority", date(2026, 12, 7))


def test_health_and_home_show_the_obstacle(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme timing checkpoint:2026-12-01")
    say(bot, "health")
    assert "*Acme renewal*: waiting on timing since 23 Nov, checkpoint 1 Dec" in last_text(bot)

    bot.driver.open_home("U1")
    assert a_home_shows(bot, "waiting on timing since 23 Nov, checkpoint 1 Dec")


def test_an_obstacle_named_late_in_the_evening_is_dated_the_day_the_team_saw(make_bot):
    bot = make_bot(team_timezone="America/New_York")
    bot.clock.set(datetime(2026, 11, 4, 2, 30, tzinfo=UTC))  # 21:30 on Tuesday 3 November in New York
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme timing checkpoint:2026-12-01")

    bot.clock.set(MONDAY_10AM_NEW_YORK)
    say(bot, "list")
    assert "waiting on timing since 3 Nov, checkpoint 1 Dec" in last_text(bot)
    assert "You have 1 open opportunity." in last_text(bot)
    say(bot, "health")
    assert "*Acme renewal*: waiting on timing since 3 Nov" in last_text(bot)
    bot.driver.open_home("U1")
    assert a_home_shows(bot, "waiting on timing since 3 Nov")


def test_the_nudge_names_the_obstacle_how_long_it_stood_and_asks_about_it(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=35))
    say(bot, "new Acme renewal 48k")
    say(bot, "obstacle acme budget")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    concentrated_history(bot, acme=None)

    body = the_nudge(bot)
    assert "88% of your time in 14 days went to *Acme renewal*, which has been waiting on budget for 5 weeks" in body
    assert any(
        text in body
        for text in (
            "Who would have to find the money for this deal",
            "If the budget only arrives next year",
        )
    )


def test_choosing_to_focus_can_name_the_obstacle_and_checkpoint_of_the_top_deal(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    click(bot, coaching_views.CHOOSE_FOCUS, dms(bot)[0])
    view = opened_view(bot)
    assert {"why", "kind", "checkpoint"} <= {block.get("block_id") for block in view["blocks"]}

    wrong = bot.driver.submit(view, {"why": typed("Closing Friday"), "checkpoint": picked_date("2026-12-04")}).json
    assert wrong["errors"] == {"kind": "Name what stands in the way too, or leave the checkpoint empty."}

    done = bot.driver.submit(
        view, {"why": typed("Closing Friday"), "kind": chosen("politics"), "checkpoint": picked_date("2026-12-04")}
    )
    assert done.status == 200
    bot.slack.wait_for("chat.postMessage", 2, channel="U1")
    [found] = store.open_obstacles(bot.db, "T1").values()
    assert (found.opportunity_name, found.kind, found.checkpoint) == ("Acme renewal", "politics", date(2026, 12, 4))
    kinds = {item.kind for item in answers.recent_answers(bot.db, "T1", "U1")}
    assert {answers.FOCUS_REASON, answers.OBSTACLE} <= kinds


def test_focusing_without_an_obstacle_still_just_keeps_the_reason(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    click(bot, coaching_views.CHOOSE_FOCUS, dms(bot)[0])
    assert bot.driver.submit(opened_view(bot), {"why": typed("Closing Friday")}).status == 200
    bot.slack.wait_for("chat.postMessage", 2, channel="U1")
    assert store.open_obstacles(bot.db, "T1") == {}


def test_when_two_deals_match_the_rep_picks_one_and_the_obstacle_lands_on_it(bot):
    expansion = expansion_button(bot, "obstacle acme timing their fiscal year starts in April")

    reply = bot.driver.click({"type": "button", "action_id": expansion["action_id"], "value": expansion["value"]})

    assert reply.status == 200 and reply.seconds < 3
    assert "waiting on timing" in json.dumps(bot.last_reply(4), ensure_ascii=False)
    assert store.open_obstacles(bot.db, "T1", "U1", [2])[2].kind == "timing"
