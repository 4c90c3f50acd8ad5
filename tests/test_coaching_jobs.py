"""The coach end to end: a history typed through the commands, the jobs run at chosen moments on the
fixture clock, and the DMs the Slack stand-in received. Running a job twice never sends twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.jobs import JOBS
from bot.messages import coaching as views
from storage import answers as store
from storage import outbox, reps
from tests.driver import chosen, picked_date, typed

MONDAY_10AM_NEW_YORK = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the clock fixture's start


def say(bot, text: str, user: str = "U1", command: str = "/opportunity") -> None:
    """Type a command and wait for its private reply, so each step is stored before the next."""
    before = len(bot.slack.of("response_url"))
    reply = bot.driver.command(command, text, user=user)
    assert reply.status == 200, reply.body
    if not reply.body:  # answered after ack, on the response_url
        bot.slack.wait_for("response_url", before + 1)


def dms(bot, user: str = "U1") -> list[dict]:
    return [call.args for call in bot.slack.of("chat.postMessage") if call.args.get("channel") == user]


def run(bot, job: str, at: datetime | None = None):
    if at is not None:
        bot.clock.set(at)
    return JOBS[job].run(bot.services, bot.clock())


def concentrated_history(bot, user: str = "U1", acme: str | None = "new Acme renewal 48k") -> None:
    """Two deals, seven of eight logged hours on one of them (Acme), a little prospecting. `acme` is how
    Acme renewal is opened (None: the rep has opened it already)."""
    if acme is not None:
        say(bot, acme, user)
    say(bot, "new Beta pilot 12k", user)
    say(bot, "log acme 4h", user)
    say(bot, "log acme 3h yesterday", user)
    say(bot, "10 calls 1h", user, command="/prospect")


def the_nudge(bot) -> str:
    """Run the nudge job, which sends exactly one nudge (the rep's latest DM); its blocks as text."""
    assert run(bot, "nudges").sent == 1
    return json.dumps(dms(bot)[-1]["blocks"], ensure_ascii=False)


def nudged_on_acme(bot) -> str:
    """Seven hours logged on Acme renewal and one of prospecting: the nudge comes; its blocks as text."""
    say(bot, "log acme 7h")
    say(bot, "10 calls 1h", command="/prospect")
    return the_nudge(bot)


def action_ids(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message["blocks"]
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        if element.get("type") == "button"
    ]


# --- the nudge -------------------------------------------------------------------------------------


def test_a_concentrated_rep_gets_one_respectful_nudge_with_the_evidence_and_buttons(bot):
    concentrated_history(bot)

    report = run(bot, "nudges")

    assert report.sent == 1
    [nudge] = dms(bot)
    body = json.dumps(nudge["blocks"], ensure_ascii=False)
    assert "Acme renewal" in body and "88%" in body and "Prospecting" in body and "13%" in body
    assert "2 open opportunities" in body and "opened today" in body
    assert "may well deserve every hour" in body
    assert "One question" in body
    assert action_ids(nudge) == [views.PLAN_BLOCK, views.SNOOZE_WEEK, views.CHOOSE_FOCUS]
    assert [call.args["user"] for call in bot.slack.of("users.info")] == ["U1"]

    assert run(bot, "nudges").sent == 0
    assert len(dms(bot)) == 1


def test_a_workspace_is_scanned_a_page_of_reps_at_a_time_and_each_concentrated_rep_hears_once(bot, monkeypatch):
    monkeypatch.setattr(reps, "PAGE_SIZE", 2)  # five reps over three pages
    for user in ("U1", "U2", "U3", "U4", "U5"):
        if user in ("U2", "U5"):
            say(bot, "new Steady deal 5k", user)
            say(bot, "log steady 1h", user)
            say(bot, "20 calls 3h", user, command="/prospect")
        else:
            concentrated_history(bot, user)

    report = run(bot, "nudges")

    assert report.reps == 5 and report.sent == 3
    assert [user for user in ("U1", "U2", "U3", "U4", "U5") if dms(bot, user)] == ["U1", "U3", "U4"]
    assert all(len(dms(bot, user)) == 1 for user in ("U1", "U3", "U4"))
    assert run(bot, "nudges").sent == 0


def test_the_nudge_waits_out_its_cooldown_then_comes_again(bot):
    concentrated_history(bot)
    assert run(bot, "nudges").sent == 1

    for days in (1, 3, 6):
        assert run(bot, "nudges", MONDAY_10AM_NEW_YORK + timedelta(days=days)).sent == 0
    # The following Monday: seven days have passed and the time is still in the 14-day window.
    assert run(bot, "nudges", MONDAY_10AM_NEW_YORK + timedelta(days=7)).sent == 1
    assert len(dms(bot)) == 2
    assert len(bot.slack.of("users.info")) == 2  # the cached zone is refreshed once a day at most


def test_no_nudge_outside_working_hours_or_at_the_weekend_in_the_reps_zone(bot):
    concentrated_history(bot)

    assert run(bot, "nudges", datetime(2026, 11, 23, 13, 59, tzinfo=UTC)).sent == 0  # 08:59 in New York
    assert run(bot, "nudges", datetime(2026, 11, 23, 22, 0, tzinfo=UTC)).sent == 0  # 17:00 there
    assert run(bot, "nudges", datetime(2026, 11, 28, 15, 0, tzinfo=UTC)).sent == 0  # Saturday
    assert dms(bot) == []
    assert run(bot, "nudges", datetime(2026, 11, 23, 14, 0, tzinfo=UTC)).sent == 1  # 09:00 sharp


def test_a_rep_in_auckland_hears_from_the_coach_in_their_own_morning(bot):
    bot.slack.always("users.info", lambda args: {"ok": True, "user": {"id": args["user"], "tz": "Pacific/Auckland"}})
    concentrated_history(bot)

    # 15:00 UTC Monday is 04:00 Tuesday in Auckland (UTC+13 in November): asleep.
    assert run(bot, "nudges").sent == 0
    # 20:00 UTC Monday is 09:00 Tuesday there.
    assert run(bot, "nudges", datetime(2026, 11, 23, 20, 0, tzinfo=UTC)).sent == 1
    assert bot.slack.of("chat.postMessage")[-1].args["channel"] == "U1"


def test_snoozed_opted_out_and_balanced_reps_get_nothing(bot):
    concentrated_history(bot, "U1")
    say(bot, "coach snooze 2w", "U1")
    concentrated_history(bot, "U2")
    say(bot, "coach off", "U2")
    say(bot, "new Gamma 5k", "U3")
    say(bot, "new Delta 5k", "U3")
    say(bot, "log gamma 3h", "U3")
    say(bot, "log delta 3h", "U3")
    say(bot, "20 calls 2h", "U3", command="/prospect")

    report = run(bot, "nudges")

    assert report.sent == 0
    assert dms(bot, "U1") == dms(bot, "U2") == dms(bot, "U3") == []
    assert bot.slack.of("users.info") == []  # nobody was due, so Slack was not asked
    # Switching coaching back on makes the concentrated rep due at once; the snoozed one stays quiet.
    say(bot, "coach on", "U2")
    assert run(bot, "nudges").sent == 1
    assert len(dms(bot, "U2")) == 1


def test_too_little_logged_time_is_not_judged(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "log acme 5h59m")
    assert run(bot, "nudges").sent == 0
    say(bot, "log acme 1m")
    assert run(bot, "nudges").sent == 1


def test_a_rep_who_stopped_opening_deals_and_barely_prospects_is_nudged_too(bot):
    bot.clock.set(MONDAY_10AM_NEW_YORK - timedelta(days=12))
    say(bot, "new Acme 10k")
    say(bot, "new Beta 10k")
    say(bot, "new Gamma 10k")
    bot.clock.set(MONDAY_10AM_NEW_YORK)
    for name in ("acme", "beta", "gamma"):
        say(bot, f"log {name} 2h30m")
    say(bot, "5 calls 30m", command="/prospect")  # 30 of 480 minutes: 6% prospecting

    body = the_nudge(bot)
    assert "opened 12 days ago" in body and "a while since a new opportunity" in body


# --- the nudge's buttons -----------------------------------------------------------------------------


def click(bot, action_id: str, message: dict, user: str = "U1"):
    button = next(
        element
        for block in message["blocks"]
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        if element.get("action_id") == action_id
    )
    return bot.driver.click({"action_id": action_id, "value": button["value"], "type": "button"}, user=user)


def opened_view(bot, count: int = 1) -> dict:
    return bot.slack.wait_for("views.open", count)[-1].args["view"]


def test_planning_a_block_is_stored_and_followed_up_the_next_working_day(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    [nudge] = dms(bot)

    assert click(bot, views.PLAN_BLOCK, nudge).status == 200
    view = opened_view(bot)
    assert view["callback_id"] == views.PLAN_VIEW
    day_input = next(block for block in view["blocks"] if block.get("block_id") == "day")
    assert day_input["element"]["initial_date"] == "2026-11-24"  # the next working day
    reply = bot.driver.submit(view, {"day": picked_date("2026-11-26"), "minutes": chosen("60")})
    assert reply.status == 200 and not reply.body

    confirmation = bot.slack.wait_for("chat.postMessage", 2, channel="U1")[-1].args  # the nudge, the confirmation
    assert confirmation["channel"] == "U1" and "1h of prospecting on Thu 26 Nov" in confirmation["text"]
    [block] = [a for a in store.recent_answers(bot.db, "T1", "U1") if a.kind == store.PROSPECTING_BLOCK]
    assert (block.planned_day, block.planned_minutes, block.for_date) == (date(2026, 11, 26), 60, date(2026, 11, 23))

    # Thursday: the block's own day, no follow-up yet. Friday morning in New York: asked once.
    assert run(bot, "followups", datetime(2026, 11, 26, 16, 0, tzinfo=UTC)).sent == 0
    assert run(bot, "followups", datetime(2026, 11, 27, 13, 0, tzinfo=UTC)).sent == 0  # 08:00 there
    assert run(bot, "followups", datetime(2026, 11, 27, 14, 30, tzinfo=UTC)).sent == 1
    assert run(bot, "followups", datetime(2026, 11, 27, 15, 0, tzinfo=UTC)).sent == 0
    followup = dms(bot)[-1]
    assert "Did it happen?" in followup["text"]
    assert action_ids(followup) == [views.BLOCK_DONE, views.BLOCK_MISSED]

    before = len(bot.slack.of("response_url"))
    click(bot, views.BLOCK_DONE, followup)
    answer = bot.slack.wait_for("response_url", before + 1)[-1].args
    assert answer["replace_original"] is True and "Nice work" in answer["text"]
    [done] = [a for a in store.recent_answers(bot.db, "T1", "U1") if a.kind == store.BLOCK_FOLLOWUP]
    assert (done.answer, done.planned_day) == ("done", date(2026, 11, 26))


def test_a_block_day_in_the_past_is_refused_inside_the_form(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    click(bot, views.PLAN_BLOCK, dms(bot)[0])
    reply = bot.driver.submit(opened_view(bot), {"day": picked_date("2026-11-01"), "minutes": chosen("60")})
    assert reply.json["response_action"] == "errors" and "day" in reply.json["errors"]
    assert [a for a in store.recent_answers(bot.db, "T1", "U1") if a.kind == store.PROSPECTING_BLOCK] == []


def test_snoozing_from_the_nudge_keeps_the_coach_quiet_for_a_week(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    before = len(bot.slack.of("response_url"))

    click(bot, views.SNOOZE_WEEK, dms(bot)[0])

    reply = bot.slack.wait_for("response_url", before + 1)[-1].args
    assert "Snoozed until Mon 30 Nov" in reply["text"]
    rep = reps.get_or_create_rep(bot.db, "T1", "U1", bot.clock())
    assert rep.snoozed_until == MONDAY_10AM_NEW_YORK + timedelta(days=7)
    assert [a.kind for a in store.recent_answers(bot.db, "T1", "U1")] == [store.SNOOZE]
    assert run(bot, "reflections", datetime(2026, 11, 27, 20, 0, tzinfo=UTC)).sent == 0


def test_choosing_to_focus_asks_why_and_keeps_the_answer(bot):
    concentrated_history(bot)
    run(bot, "nudges")
    click(bot, views.CHOOSE_FOCUS, dms(bot)[0])
    view = opened_view(bot)
    assert view["callback_id"] == views.FOCUS_VIEW

    assert bot.driver.submit(view, {"why": typed("   ")}).json["response_action"] == "errors"
    assert bot.driver.submit(view, {"why": typed("Signature due Friday; legal is <!here> reviewing")}).status == 200

    bot.slack.wait_for("chat.postMessage", 2, channel="U1")
    [focus] = store.recent_answers(bot.db, "T1", "U1")
    assert (focus.kind, focus.answer) == (store.FOCUS_REASON, "Signature due Friday; legal is <!here> reviewing")


# --- reflections -------------------------------------------------------------------------------------


FRIDAY_3PM_NEW_YORK = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def test_every_rep_gets_their_weekly_reflection_at_their_own_local_time(bot):
    zones = {"U1": "America/New_York", "U2": "Pacific/Auckland", "U3": "Pacific/Honolulu"}
    bot.slack.always("users.info", lambda args: {"ok": True, "user": {"id": args["user"], "tz": zones[args["user"]]}})
    for user in zones:
        say(bot, "new Something 5k", user)

    sent_at = {}
    moment = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    while moment < datetime(2026, 11, 29, 0, 0, tzinfo=UTC):  # Thursday to Saturday, tick by tick
        run(bot, "reflections", moment)
        for call in bot.slack.of("chat.postMessage"):
            if call.args["channel"] in zones:
                sent_at.setdefault(call.args["channel"], moment)
        moment += timedelta(minutes=15)

    assert sent_at == {
        "U2": datetime(2026, 11, 27, 2, 0, tzinfo=UTC),  # Friday 15:00 in Auckland (UTC+13)
        "U1": datetime(2026, 11, 27, 20, 0, tzinfo=UTC),  # Friday 15:00 in New York (UTC−5)
        "U3": datetime(2026, 11, 28, 1, 0, tzinfo=UTC),  # Friday 15:00 in Honolulu (UTC−10)
    }
    delivered = [call.args["channel"] for call in bot.slack.of("chat.postMessage") if call.args["channel"] in zones]
    assert sorted(delivered) == ["U1", "U2", "U3"]


def test_a_reflection_can_be_answered_and_only_its_author_sees_it(bot):
    say(bot, "new Something 5k")
    say(bot, "coach reflections mon 10:00")
    assert run(bot, "reflections").sent == 1  # Monday 10:00 in New York
    [prompt] = dms(bot)
    assert action_ids(prompt) == [views.ANSWER_REFLECTION]
    assert run(bot, "reflections").sent == 0

    click(bot, views.ANSWER_REFLECTION, prompt)
    view = opened_view(bot)
    assert view["callback_id"] == views.REFLECTION_VIEW
    question = view["blocks"][0]["text"]["text"].strip("*")
    assert question in prompt["text"]
    assert bot.driver.submit(view, {"answer": typed("Honestly, Acme. I need it for Q4.")}).status == 200
    bot.slack.wait_for("chat.postMessage", 3)

    [answer] = store.recent_answers(bot.db, "T1", "U1")
    assert (answer.kind, answer.question, answer.answer, answer.for_date) == (
        store.REFLECTION,
        question,
        "Honestly, Acme. I need it for Q4.",
        date(2026, 11, 23),
    )
    say(bot, "reflections")
    mine = json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)
    assert "I need it for Q4" in mine
    say(bot, "reflections", "U2")
    theirs = json.dumps(bot.slack.of("response_url")[-1].args, ensure_ascii=False)
    assert "I need it for Q4" not in theirs and "Nothing here yet" in theirs


def test_no_question_repeats_within_eight_weeks_and_a_concentrated_rep_is_asked_about_stepping_back(bot):
    say(bot, "new Something 5k")
    asked = []
    for week in range(12):
        run(bot, "reflections", FRIDAY_3PM_NEW_YORK + timedelta(weeks=week))
        asked.append(outbox.messages_for(bot.db, "T1", "U1")[-1].period_key)
    records = outbox.messages_for(bot.db, "T1", "U1")
    assert len(records) == 12 and {record.status for record in records} == {"sent"}
    with bot.db.transaction() as session:
        from storage.models import ScheduledMessage

        ids = [row.question_id for row in session.query(ScheduledMessage).order_by(ScheduledMessage.id)]
    for start in range(len(ids) - 8):
        assert len(set(ids[start : start + 9])) == 9, ids

    concentrated_history(bot, "U2")
    bot.clock.set(FRIDAY_3PM_NEW_YORK + timedelta(weeks=12))
    say(bot, "log acme 7h", "U2")
    say(bot, "log acme 1h yesterday", "U2")
    run(bot, "reflections")
    with bot.db.transaction() as session:
        row = session.query(ScheduledMessage).filter_by(recipient_id="U2", kind="reflection").one()
    assert row.question_id.startswith("detach-")


def test_a_missed_reflection_is_caught_up_that_afternoon_but_not_at_night(bot):
    say(bot, "new Something 5k")
    assert run(bot, "reflections", FRIDAY_3PM_NEW_YORK + timedelta(hours=2, minutes=50)).sent == 1

    say(bot, "new Other 5k", "U2")
    assert run(bot, "reflections", FRIDAY_3PM_NEW_YORK + timedelta(hours=3)).sent == 0


@pytest.mark.parametrize(
    ("zone", "fridays_at_3pm_local"),
    [
        # Auckland moves from UTC+12 to UTC+13 on Sunday 27 September 2026.
        ("Pacific/Auckland", [datetime(2026, 9, 25, 3, 0, tzinfo=UTC), datetime(2026, 10, 2, 2, 0, tzinfo=UTC)]),
        # Adak (Aleutians) moves from UTC−9 to UTC−10 on Sunday 1 November 2026.
        ("America/Adak", [datetime(2026, 10, 31, 0, 0, tzinfo=UTC), datetime(2026, 11, 7, 1, 0, tzinfo=UTC)]),
    ],
)
def test_the_reflection_keeps_to_local_time_across_a_daylight_saving_change(bot, zone, fridays_at_3pm_local):
    bot.slack.always("users.info", lambda args: {"ok": True, "user": {"id": args["user"], "tz": zone}})
    say(bot, "new Something 5k")
    for slot in fridays_at_3pm_local:
        assert run(bot, "reflections", slot - timedelta(minutes=15)).sent == 0
        assert run(bot, "reflections", slot).sent == 1
        assert run(bot, "reflections", slot + timedelta(minutes=15)).sent == 0
    expected = [slot.astimezone(ZoneInfo(zone)).date().isoformat() for slot in fridays_at_3pm_local]
    assert [record.period_key for record in outbox.messages_for(bot.db, "T1", "U1")] == expected
    assert all(date.fromisoformat(day).weekday() == 4 for day in expected)


def test_control_characters_in_an_answer_are_dropped_not_a_crash(bot):
    say(bot, "new Something 5k")
    say(bot, "coach reflections mon 10:00")
    run(bot, "reflections")
    click(bot, views.ANSWER_REFLECTION, dms(bot)[0])
    assert bot.driver.submit(opened_view(bot), {"answer": typed("Line one\r\nnul\x00 here\x07")}).status == 200
    bot.slack.wait_for("chat.postMessage", 3)
    [answer] = store.recent_answers(bot.db, "T1", "U1")
    assert answer.answer == "Line one\nnul here"
