"""`/opportunity coach …`: the rep sees and changes their own coaching; mistakes get what to type instead."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.messages.format import format_work_days
from bot.parsing.coaching import parse_work_days
from bot.rules.timing import WorkingHours, next_working_day
from bot.settings import SettingsError, load_settings
from storage import reps as store
from tests.reading import shows

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def card(bot, text: str, user: str = "U1") -> str:
    before = len(bot.slack.of("response_url"))
    reply = bot.command(text, user=user)
    assert reply.status == 200 and reply.seconds < 3.0 and not reply.body
    return json.dumps(bot.slack.wait_for("response_url", before + 1)[-1].args, ensure_ascii=False)


def rep(bot, user: str = "U1") -> store.RepSettings:
    return store.get_or_create_rep(bot.db, "T1", user, bot.clock())


def test_coach_alone_shows_the_defaults(bot):
    shown = card(bot, "coach")
    shows(
        shown,
        """
        Coaching is *on*
        09:00–17:00, Mon–Fri (team default)
        Fri 15:00 (team default)
        at most once every 7 days
        """,
    )
    assert '"response_type": "ephemeral"' in shown


def test_a_rep_switches_coaching_off_and_on(bot):
    assert "Coaching is *off*" in card(bot, "coach off")
    assert rep(bot).coaching_enabled is False
    assert "Coaching is *on*" in card(bot, "coach on")
    assert rep(bot).coaching_enabled is True


def test_snooze_is_vacation_mode_and_on_ends_it(bot):
    shown = card(bot, "coach snooze 2w")
    assert "Snoozed for 14 days" in shown and "*snoozed* until Mon 7 Dec" in shown
    assert rep(bot).snoozed_until == NOW + timedelta(days=14)
    card(bot, "coach snooze off")
    assert rep(bot).snoozed_until is None
    card(bot, "coach snooze 3d")
    card(bot, "coach on")
    assert rep(bot).snoozed_until is None


def test_hours_days_and_reflection_slot_are_the_reps_own(bot):
    card(bot, "coach hours 08:00-16:00")
    card(bot, "coach days sun-thu")
    shown = card(bot, "coach reflections mon 9am")
    assert "08:00–16:00, Sun–Thu." in shown and "Mon 09:00." in shown
    saved = rep(bot)
    assert (saved.work_start, saved.work_end, saved.work_days) == ("08:00", "16:00", "mon,tue,wed,thu,sun")
    assert (saved.reflection_weekday, saved.reflection_time) == (0, "09:00")
    shown = card(bot, "coach hours default")
    assert "09:00–17:00, Sun–Thu." in shown
    card(bot, "coach days default")
    card(bot, "coach reflections default")
    assert "(team default)" in card(bot, "coach")
    assert rep(bot).reflection_weekday is None


def test_settings_are_per_rep_and_per_workspace(bot):
    card(bot, "coach off", user="U1")
    assert rep(bot, "U2").coaching_enabled is True
    assert store.get_or_create_rep(bot.db, "T2", "U1", bot.clock()).coaching_enabled is True


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("coach hours 17-9", "must end after they start"),
        ("coach hours soon", "9-17"),
        ("coach snooze forever", "2w"),
        ("coach snooze 20w", "up to 12 weeks"),
        ("coach reflections someday", "fri 15:00"),
        ("coach days funday", "mon-fri"),
        ("coach louder", "/opportunity coach off"),
        ("coach off please", "/opportunity coach off"),
    ],
)
def test_mistakes_get_what_to_type_and_store_nothing(bot, typed, hint):
    reply = bot.command(typed)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral" and hint in json.dumps(reply.json, ensure_ascii=False)
    assert "Traceback" not in reply.body
    assert rep(bot) == store.RepSettings("T1", "U1")


def test_typed_text_echoed_back_cannot_ping_anyone(bot):
    reply = bot.command("coach hours <!channel>-<!here>")
    assert "<!channel>" not in reply.body and "&lt;!channel&gt;" in reply.json["text"]


def test_help_lists_the_coach(bot):
    shown = json.dumps(bot.command("help").json)
    assert "/opportunity coach" in shown and "/opportunity reflections" in shown


def test_a_typo_is_pointed_at_the_coach(bot):
    assert "Did you mean `/opportunity coach`?" in bot.command("caoch").json["text"]


# --- team defaults are settings ----------------------------------------------------------------------


def base(**values):
    return load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", _env_file=None, **values)


def test_every_coaching_threshold_is_a_setting_with_the_documented_default():
    settings = base()
    assert (
        settings.scheduler_enabled,
        settings.nudge_check_minutes,
        settings.nudge_window_days,
        settings.nudge_min_hours,
        settings.nudge_top_share,
        settings.nudge_no_new_days,
        settings.nudge_min_prospecting_share,
        settings.nudge_cooldown_days,
        settings.work_hours,
        settings.work_days,
        settings.reflection_slot,
    ) == (True, 15, 14, 6, 0.60, 10, 0.20, 7, "09:00-17:00", "mon-fri", "fri 15:00")


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("work_hours", "all day", "WORK_HOURS"),
        ("work_days", "weekdays", "WORK_DAYS"),
        ("reflection_slot", "friday", "REFLECTION_SLOT"),
        ("nudge_top_share", "1.5", "NUDGE_TOP_SHARE"),
        ("nudge_check_minutes", "0", "NUDGE_CHECK_MINUTES"),
    ],
)
def test_a_malformed_coaching_setting_is_named_in_one_line(name, value, named):
    with pytest.raises(SettingsError) as problem:
        base(**{name: value})
    assert str(problem.value).startswith(f"Setting {named}:") and "\n" not in str(problem.value)


def test_team_defaults_shape_the_coach_card(make_bot):
    bot = make_bot(work_hours="8:30-16:30", work_days="mon-thu", reflection_slot="thu 4pm", nudge_cooldown_days=10)
    shown = card(bot, "coach")
    assert "08:30–16:30, Mon–Thu (team default)" in shown and "Thu 16:00" in shown and "every 10 days" in shown


# --- working days, as typed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Monday - Friday", {0, 1, 2, 3, 4}),
        ("sun-thu", {6, 0, 1, 2, 3}),
        ("mon,wed,fri", {0, 2, 4}),
        ("mon wed-thu", {0, 2, 3}),
        ("sat", {5}),
    ],
)
def test_working_days_are_read_the_way_reps_type_them(typed, days):
    assert parse_work_days(typed) == frozenset(days)


@pytest.mark.parametrize("typed", ["", "mo-fr", "mon-fri-sat", "weekdays"])
def test_unreadable_working_days_get_an_example(typed):
    with pytest.raises(ValueError, match="mon"):
        parse_work_days(typed)


def test_working_days_are_written_back_briefly():
    assert format_work_days(frozenset({0, 1, 2, 3, 4})) == "Mon–Fri"
    assert format_work_days(frozenset({6, 0, 1, 2, 3})) == "Sun–Thu"
    assert format_work_days(frozenset({0, 2, 4})) == "Mon, Wed, Fri"
    assert format_work_days(frozenset(range(7))) == "every day"


def test_the_next_working_day_skips_the_weekend():
    friday = datetime(2026, 11, 27).date()
    assert next_working_day(friday, WorkingHours()) == datetime(2026, 11, 30).date()
    assert next_working_day(friday, WorkingHours(days=frozenset({4}))) == datetime(2026, 12, 4).date()
    assert time(9) < time(17)
