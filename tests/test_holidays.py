"""Holidays: a workspace keeps a country's public holidays (from `/opportunity admin`), a rep may keep their
own (`/opportunity coach holidays GB`), and no nudge, reflection, checkpoint or leaders' DM lands on one;
what was due is asked the next working morning, once. In 2026, 25 December is a Friday (the reflection's
day), 26 December a Saturday, and Monday 28 December Boxing Day (observed) in GB: Tuesday 29 is the next
working day. The reps' Slack zone is New York."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.rules.holidays import read_calendar
from storage import outbox
from tests.driver import typed
from tests.test_checkpoint_jobs import named_with_checkpoint
from tests.test_coaching_jobs import concentrated_history, dms, run, say
from tests.test_leader_digest import last_week_of_creation
from tests.test_workspace_admin import open_settings

CHRISTMAS_3PM_NEW_YORK = datetime(2026, 12, 25, 20, 0, tzinfo=UTC)
CHRISTMAS_10AM_NEW_YORK = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)
BOXING_DAY_OBSERVED_0830_NEW_YORK = datetime(2026, 12, 28, 13, 30, tzinfo=UTC)
TUESDAY_9AM_NEW_YORK = datetime(2026, 12, 29, 14, 0, tzinfo=UTC)


def coach(bot, text: str) -> str:
    """Type `/opportunity coach …` and read the private reply, whether in the ack or on the response_url."""
    before = len(bot.slack.of("response_url"))
    reply = bot.command(f"coach {text}")
    assert reply.status == 200
    if reply.body:
        return json.dumps(reply.json, ensure_ascii=False)
    return json.dumps(bot.slack.wait_for("response_url", before + 1)[-1].args, ensure_ascii=False)


def test_a_rep_keeps_their_own_holidays_and_a_mistake_says_what_to_type(bot):
    assert "Type a country code such as GB, US or DE" in coach(bot, "holidays Narnia")
    text = coach(bot, "holidays GB-XYZ")
    assert "GB has no region" in text and "SCT" in text
    text = coach(bot, "holidays gb sct")
    assert "Public holidays saved" in text and "Public holidays: GB-SCT." in text
    text = coach(bot, "holidays default")
    assert "Public holidays are back to the workspace's" in text and "Public holidays: none kept" in text


def test_an_admin_sets_the_workspaces_country_and_a_wrong_one_is_pointed_out(bot):
    bot.slack.admins.add("U9")
    view = open_settings(bot)
    reply = bot.driver.submit(view, {"holiday_calendar": typed("Atlantis")}, user="U9")
    assert reply.json["response_action"] == "errors"
    assert "Type a country code such as GB" in reply.json["errors"]["holiday_calendar"]
    assert bot.services.settings_for("T1").holiday_calendar is None
    reply = bot.driver.submit(view, {"holiday_calendar": typed("us-ca")}, user="U9")
    assert reply.status == 200 and not reply.body
    assert bot.services.settings_for("T1").holiday_calendar == "US-CA"
    view = open_settings(bot)
    [field] = [block for block in view["blocks"] if block.get("block_id") == "holiday_calendar"]
    assert field["element"]["initial_value"] == "US-CA"


def test_no_reflection_on_christmas_day_it_comes_the_next_working_morning_once(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "coach holidays GB")
    assert run(bot, "reflections", CHRISTMAS_3PM_NEW_YORK).sent == 0
    assert run(bot, "reflections", BOXING_DAY_OBSERVED_0830_NEW_YORK + timedelta(hours=1)).sent == 0
    assert run(bot, "reflections", TUESDAY_9AM_NEW_YORK - timedelta(minutes=15)).sent == 0
    assert run(bot, "reflections", TUESDAY_9AM_NEW_YORK).sent == 1
    assert run(bot, "reflections", TUESDAY_9AM_NEW_YORK + timedelta(minutes=15)).sent == 0
    [reflection] = dms(bot)
    [record] = outbox.messages_for(bot.db, "T1", "U1")
    assert (record.kind, record.period_key) == ("reflection", "2026-12-25"), "keyed by the week's slot, asked once"
    assert reflection["text"]


def test_a_rep_without_holidays_still_gets_it_on_the_day(bot):
    say(bot, "new Acme renewal 48k")
    assert run(bot, "reflections", CHRISTMAS_3PM_NEW_YORK).sent == 1


def test_no_nudge_on_a_holiday_then_the_next_working_morning(make_bot):
    bot = make_bot(holiday_calendar="GB")
    bot.clock.set(CHRISTMAS_10AM_NEW_YORK - timedelta(days=2))
    concentrated_history(bot)
    assert run(bot, "nudges", CHRISTMAS_10AM_NEW_YORK).sent == 0
    assert run(bot, "nudges", BOXING_DAY_OBSERVED_0830_NEW_YORK + timedelta(hours=2)).sent == 0
    assert run(bot, "nudges", TUESDAY_9AM_NEW_YORK).sent == 1


def test_a_checkpoint_on_a_holiday_is_asked_the_next_working_day(make_bot):
    bot = make_bot(holiday_calendar="GB")
    bot.clock.set(CHRISTMAS_10AM_NEW_YORK - timedelta(days=3))
    named_with_checkpoint(bot, "2026-12-25")
    assert run(bot, "checkpoints", CHRISTMAS_10AM_NEW_YORK).sent == 0
    assert run(bot, "checkpoints", BOXING_DAY_OBSERVED_0830_NEW_YORK + timedelta(hours=2)).sent == 0
    assert run(bot, "checkpoints", TUESDAY_9AM_NEW_YORK).sent == 1
    [question] = dms(bot)
    assert "Checkpoint for Acme renewal" in question["text"]


def test_the_leaders_dm_waits_for_the_working_morning_after_a_holiday(make_bot):
    bot = make_bot(manager_ids="UBOSS", holiday_calendar="GB")
    bot.clock.set(BOXING_DAY_OBSERVED_0830_NEW_YORK - timedelta(days=7))
    last_week_of_creation(bot)
    assert run(bot, "leader_digest", BOXING_DAY_OBSERVED_0830_NEW_YORK).sent == 0
    assert run(bot, "leader_digest", TUESDAY_9AM_NEW_YORK).sent == 2
    assert run(bot, "leader_digest", TUESDAY_9AM_NEW_YORK + timedelta(minutes=15)).sent == 0
    records = outbox.messages_for(bot.db, "T1", "UBOSS")
    assert {record.period_key for record in records} == {"2026-12-28"}


def test_calendars_read_as_people_type_them():
    assert read_calendar("gb") == "GB"
    assert read_calendar(" us / ca ") == "US-CA"
    assert read_calendar("none") is None and read_calendar("") is None


def test_a_slot_on_good_friday_waits_over_the_weekend_for_each_regions_working_morning():
    from datetime import date, time

    from bot.rules.timing import WorkingHours, weekly_slot

    def slot_at(now: datetime, calendar: str):
        hours = WorkingHours(holidays=calendar)
        return weekly_slot(now, "Europe/London", 4, time(15), timedelta(hours=3), hours)

    good_friday_3pm = datetime(2026, 4, 3, 14, 0, tzinfo=UTC)  # 15:00 in London (BST)
    assert slot_at(good_friday_3pm, "GB-ENG") is None
    easter_monday_9am = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
    assert slot_at(easter_monday_9am, "GB-ENG") is None, "Easter Monday is a holiday in England"
    assert slot_at(easter_monday_9am, "GB-SCT") == (date(2026, 4, 3), easter_monday_9am), "but not in Scotland"
    tuesday_9am = datetime(2026, 4, 7, 8, 0, tzinfo=UTC)
    assert slot_at(tuesday_9am, "GB-ENG") == (date(2026, 4, 3), tuesday_9am)
