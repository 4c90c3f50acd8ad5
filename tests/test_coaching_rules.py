"""User stories for the coaching rules: figures, nudges and "never nag" timing."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.messages.format import text_bar
from bot.parsing.coaching import parse_hours, parse_snooze, parse_weekly_slot
from bot.rules.figures import (
    TimeSlice,
    coverage,
    creation_vs_average,
    effective_count,
    time_shares,
    top_share,
    value_concentration_verdict,
    weekly_streak,
    win_rate_target,
)
from bot.rules.nudges import RepActivity, concentration_reasons, thresholds
from bot.rules.periods import local_now, period_bounds, week_start
from bot.rules.timing import (
    CoachingState,
    WorkingHours,
    may_nudge,
    weekly_slot,
    within_working_hours,
)
from bot.settings import Settings

AUCKLAND = "Pacific/Auckland"  # UTC+13 in November (daylight saving)
HONOLULU = "Pacific/Honolulu"  # UTC-10 all year
NEW_YORK = "America/New_York"  # leaves daylight saving on 2026-11-01
FRIDAY, MONDAY, SUNDAY = 4, 0, 6


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- Where did my week go? ------------------------------------------------------------------------


def test_a_rep_who_logged_nothing_gets_no_time_breakdown():
    assert time_shares([]) == []
    assert time_shares([TimeSlice("Acme", 0, 1)]) == []


def test_a_rep_with_a_single_entry_spent_all_their_time_on_it():
    only = TimeSlice("Acme", 45, 1)
    assert time_shares([only]) == [(only, 1.0)]


def test_the_breakdown_lists_the_biggest_time_sink_first_and_ties_alphabetically():
    acme = TimeSlice("Acme", 300, 1)
    prospecting = TimeSlice("Prospecting", 100, None)
    globex = TimeSlice("Globex", 100, 2)
    assert time_shares([prospecting, globex, acme]) == [(acme, 0.6), (globex, 0.2), (prospecting, 0.2)]


def test_a_rep_who_only_prospected_has_one_slice_at_100_percent():
    prospecting = TimeSlice("Prospecting", 240, None)
    assert time_shares([prospecting]) == [(prospecting, 1.0)]


# --- How spread out is my pipeline? --------------------------------------------------------------


def test_an_empty_pipeline_is_worth_zero_deals():
    assert effective_count([]) == 0.0
    assert effective_count([0, 0]) == 0.0


def test_one_deal_is_worth_one_deal():
    assert effective_count([50_000]) == 1.0


def test_equal_deals_each_count_fully():
    assert effective_count([10, 10, 10, 10]) == 4.0


def test_a_lopsided_pipeline_is_worth_fewer_deals_than_it_has():
    assert effective_count([3, 1]) == 1.6  # 4² / (9 + 1)
    assert effective_count([90, 5, 5]) == 10_000 / 8_150


def test_top_share_is_the_largest_part_of_the_whole():
    assert top_share([30, 10, 10]) == 0.6
    assert top_share([7]) == 1.0
    assert top_share([]) == 0.0
    assert top_share([0, 0]) == 0.0


def test_deal_value_concentration_verdicts_at_their_boundaries():
    assert value_concentration_verdict(0, 0) == "none"
    assert value_concentration_verdict(100, 100) == "warning"
    assert value_concentration_verdict(31, 100) == "warning"
    assert value_concentration_verdict(30, 100) == "watch"
    assert value_concentration_verdict(16, 100) == "watch"
    assert value_concentration_verdict(15, 100) == "healthy"
    assert value_concentration_verdict(0, 100) == "healthy"


# --- Do I have enough pipeline? ------------------------------------------------------------------


def test_coverage_compares_open_pipeline_with_quota_still_to_win():
    assert coverage(300_000, 100_000, 0) == 3.0
    assert coverage(300_000, 100_000, 40_000) == 5.0
    assert coverage(0, 100_000, 0) == 0.0


def test_a_rep_without_a_quota_has_no_coverage_figure():
    assert coverage(300_000, None, 0) is None
    assert coverage(300_000, 0, 0) is None


def test_a_rep_who_already_hit_quota_is_infinitely_covered():
    assert coverage(0, 100_000, 100_000) == math.inf
    assert coverage(50_000, 100_000, 120_000) == math.inf


def test_win_rate_target_needs_enough_closed_deals_and_a_win():
    assert win_rate_target(1, 4) == 5.0
    assert win_rate_target(2, 3) == 2.5
    assert win_rate_target(1, 3) is None  # only 4 closed
    assert win_rate_target(0, 10) is None  # no wins: no pipeline is enough
    assert win_rate_target(0, 0) is None
    assert win_rate_target(1, 1, min_closed=2) == 2.0


# --- Am I opening new opportunities? -------------------------------------------------------------


def test_streak_counts_consecutive_weeks_with_a_new_opportunity():
    assert weekly_streak([2, 1, 3, 0, 5]) == 3
    assert weekly_streak([1]) == 1


def test_streak_is_not_broken_on_monday_morning_before_the_week_is_over():
    assert weekly_streak([0, 1, 1, 0, 4]) == 2


def test_streak_is_zero_when_a_whole_week_passed_with_nothing_opened():
    assert weekly_streak([0, 0, 1]) == 0
    assert weekly_streak([0]) == 0
    assert weekly_streak([]) == 0


def test_this_weeks_creation_is_shown_against_the_recent_average():
    assert creation_vs_average(3, [2, 4, 6]) == (3, 4.0)
    assert creation_vs_average(1, []) == (1, 0.0)


# --- Bars, periods and weeks ---------------------------------------------------------------------


def test_text_bar_rounds_to_the_nearest_cell():
    assert text_bar(0.62) == "▇▇▇▇▇▇▁▁▁▁"
    assert text_bar(0.0) == "▁" * 10
    assert text_bar(1.0) == "▇" * 10
    assert text_bar(0.5, width=5) == "▇▇▇▁▁"  # half a cell rounds up


def test_text_bar_hides_a_sliver_under_half_a_cell():
    assert text_bar(0.04) == "▁" * 10
    assert text_bar(0.05) == "▇" + "▁" * 9


def test_text_bar_clamps_shares_outside_zero_to_one():
    assert text_bar(1.5) == "▇" * 10
    assert text_bar(-0.2) == "▁" * 10


def test_month_bounds_include_leap_days_and_year_end():
    assert period_bounds(date(2028, 2, 10), "month") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds(date(2026, 12, 31), "month") == (date(2026, 12, 1), date(2026, 12, 31))


def test_calendar_quarter_bounds():
    assert period_bounds(date(2026, 11, 14), "quarter") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds(date(2026, 1, 1), "quarter") == (date(2026, 1, 1), date(2026, 3, 31))


def test_fiscal_quarters_follow_the_configured_start_month():
    assert period_bounds(date(2026, 3, 31), "quarter", 4) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds(date(2026, 4, 1), "quarter", 4) == (date(2026, 4, 1), date(2026, 6, 30))
    assert period_bounds(date(2026, 1, 15), "quarter", 2) == (date(2025, 11, 1), date(2026, 1, 31))


def test_unknown_periods_are_rejected():
    with pytest.raises(ValueError):
        period_bounds(date(2026, 1, 1), "year")
    with pytest.raises(ValueError):
        period_bounds(date(2026, 1, 1), "quarter", 13)


def test_weeks_start_on_monday():
    assert week_start(date(2026, 11, 9)) == date(2026, 11, 9)
    assert week_start(date(2026, 11, 15)) == date(2026, 11, 9)


# --- Nudge rules ---------------------------------------------------------------------------------

DEFAULTS = thresholds(Settings.model_construct())  # the NUDGE_* settings as shipped


def activity(total: int, top: int, prospecting: int = 0, days_since_opened: int | None = 2) -> RepActivity:
    return RepActivity(total, top, "Acme" if top else None, prospecting, days_since_opened)


def test_default_thresholds_match_the_issue():
    assert (DEFAULTS.window_days, DEFAULTS.min_minutes, DEFAULTS.top_share) == (14, 360, 0.60)
    assert (DEFAULTS.no_new_days, DEFAULTS.min_prospecting_share) == (10, 0.20)


def test_a_rep_under_six_hours_is_never_nudged():
    assert concentration_reasons(activity(359, 359, days_since_opened=None), DEFAULTS) == []
    assert concentration_reasons(activity(0, 0, days_since_opened=None), DEFAULTS) == []


def test_a_rep_at_exactly_six_hours_on_one_deal_is_nudged():
    assert concentration_reasons(activity(360, 360), DEFAULTS) == ["top_deal"]


def test_top_deal_fires_at_sixty_percent_but_not_just_below():
    assert concentration_reasons(activity(1000, 599, prospecting=401), DEFAULTS) == []
    assert concentration_reasons(activity(1000, 600, prospecting=400), DEFAULTS) == ["top_deal"]


def test_prospecting_counts_in_the_total_but_is_never_the_top_deal():
    all_prospecting = RepActivity(600, 0, None, 600, None)
    assert concentration_reasons(all_prospecting, DEFAULTS) == []


def test_no_new_opportunities_fires_from_ten_days_without_one():
    def reasons(days_since_opened: int | None) -> list[str]:
        return concentration_reasons(activity(1000, 300, 100, days_since_opened), DEFAULTS)

    assert reasons(9) == []
    assert reasons(10) == ["no_new_opportunities"]
    assert reasons(None) == ["no_new_opportunities"]  # never opened one


def test_enough_prospecting_excuses_a_quiet_fortnight():
    assert concentration_reasons(activity(1000, 300, 199, None), DEFAULTS) == ["no_new_opportunities"]
    assert concentration_reasons(activity(1000, 300, 200, None), DEFAULTS) == []


def test_both_rules_can_fire_together():
    assert concentration_reasons(activity(600, 500, 50, 30), DEFAULTS) == ["top_deal", "no_new_opportunities"]


def test_every_threshold_is_a_setting():
    strict = replace(DEFAULTS, min_minutes=60, top_share=0.5, no_new_days=3, min_prospecting_share=0.5)
    assert concentration_reasons(activity(60, 30, 29, 3), strict) == ["top_deal", "no_new_opportunities"]
    assert concentration_reasons(activity(59, 30, 29, 3), strict) == []


# --- Local time ----------------------------------------------------------------------------------


def test_a_rep_in_auckland_is_thirteen_hours_ahead_in_november():
    local = local_now(utc(2026, 11, 10, 20), AUCKLAND)
    assert (local.date(), local.time()) == (date(2026, 11, 11), time(9))
    assert local.utcoffset() == timedelta(hours=13)


def test_a_rep_in_honolulu_is_ten_hours_behind():
    local = local_now(utc(2026, 11, 10, 20), HONOLULU)
    assert (local.time(), local.utcoffset()) == (time(10), timedelta(hours=-10))


def test_new_york_falls_back_an_hour_on_1_november_2026():
    first, second = local_now(utc(2026, 11, 1, 5, 30), NEW_YORK), local_now(utc(2026, 11, 1, 6, 30), NEW_YORK)
    assert first.time() == second.time() == time(1, 30)
    assert (first.utcoffset(), second.utcoffset()) == (timedelta(hours=-4), timedelta(hours=-5))


@pytest.mark.parametrize("zone", [None, "", "Nowhere/Land", "America", "../etc/passwd"])
def test_a_missing_or_unknown_zone_falls_back_to_utc(zone):
    assert local_now(utc(2026, 11, 10, 20), zone).utcoffset() == timedelta(0)


def test_now_without_a_timezone_is_a_programming_error():
    with pytest.raises(ValueError):
        local_now(datetime(2026, 11, 10, 20), AUCKLAND)


# --- Working hours -------------------------------------------------------------------------------

NINE_TO_FIVE = WorkingHours()


def test_auckland_rep_working_day_starts_at_nine_local():
    assert not within_working_hours(utc(2026, 11, 10, 19, 59), AUCKLAND, NINE_TO_FIVE)  # Wed 08:59
    assert within_working_hours(utc(2026, 11, 10, 20), AUCKLAND, NINE_TO_FIVE)  # Wed 09:00


def test_auckland_rep_working_day_ends_before_five_local():
    assert within_working_hours(utc(2026, 11, 11, 3, 59), AUCKLAND, NINE_TO_FIVE)  # Wed 16:59
    assert not within_working_hours(utc(2026, 11, 11, 4), AUCKLAND, NINE_TO_FIVE)  # Wed 17:00


def test_auckland_rep_is_left_alone_on_saturday_while_it_is_still_friday_in_utc():
    assert not within_working_hours(utc(2026, 11, 13, 21), AUCKLAND, NINE_TO_FIVE)  # Sat 10:00


def test_honolulu_rep_is_working_on_thursday_afternoon_while_it_is_friday_night_in_utc():
    assert within_working_hours(utc(2026, 11, 13, 2, 30), HONOLULU, NINE_TO_FIVE)  # Thu 16:30


def test_new_york_rep_starts_at_nine_local_either_side_of_the_dst_change():
    assert within_working_hours(utc(2026, 10, 30, 13), NEW_YORK, NINE_TO_FIVE)  # Fri 09:00 EDT
    assert not within_working_hours(utc(2026, 11, 2, 13), NEW_YORK, NINE_TO_FIVE)  # Mon 08:00 EST
    assert within_working_hours(utc(2026, 11, 2, 14), NEW_YORK, NINE_TO_FIVE)  # Mon 09:00 EST


def test_a_rep_can_choose_their_own_days_and_hours():
    weekend_shift = WorkingHours(time(10), time(14), frozenset({5, 6}))
    assert within_working_hours(utc(2026, 11, 14, 10), None, weekend_shift)  # Sat 10:00 UTC
    assert not within_working_hours(utc(2026, 11, 13, 10), None, weekend_shift)  # Fri


# --- May we nudge? -------------------------------------------------------------------------------

NOW = utc(2026, 11, 11, 15)
DAY = timedelta(days=1)


def test_a_rep_with_a_fresh_state_may_be_nudged():
    assert may_nudge(NOW, CoachingState(), DAY) == (True, "ok")


def test_a_rep_who_opted_out_is_never_nudged():
    assert may_nudge(NOW, CoachingState(enabled=False), DAY) == (False, "disabled")


def test_a_snoozed_rep_is_left_alone_until_the_snooze_ends():
    assert may_nudge(NOW, CoachingState(snoozed_until=NOW + timedelta(seconds=1)), DAY) == (False, "snoozed")
    assert may_nudge(NOW, CoachingState(snoozed_until=NOW), DAY) == (True, "ok")


def test_a_rep_nudged_recently_is_in_cooldown_until_it_has_fully_passed():
    just_inside = CoachingState(last_nudged_at=NOW - DAY + timedelta(seconds=1))
    just_outside = CoachingState(last_nudged_at=NOW - DAY)
    assert may_nudge(NOW, just_inside, DAY) == (False, "cooldown")
    assert may_nudge(NOW, just_outside, DAY) == (True, "ok")


def test_a_rep_we_cannot_message_is_skipped():
    assert may_nudge(NOW, CoachingState(undeliverable=True), DAY) == (False, "undeliverable")


def test_opting_out_is_reported_before_any_other_reason():
    everything = CoachingState(False, NOW + DAY, NOW, True)
    assert may_nudge(NOW, everything, DAY) == (False, "disabled")


# --- Friday reflection ---------------------------------------------------------------------------

THREE_PM = time(15)


def weekly_slot_day(*slot) -> date | None:
    """The local date of this week's slot if now is in its window (what the digests post for)."""
    found = weekly_slot(*slot)
    return found[0] if found else None


def test_auckland_reflection_is_due_for_the_fifteen_minutes_from_friday_3pm_local():
    assert weekly_slot_day(utc(2026, 11, 13, 1, 59), AUCKLAND, FRIDAY, THREE_PM) is None
    assert weekly_slot_day(utc(2026, 11, 13, 2), AUCKLAND, FRIDAY, THREE_PM) == date(2026, 11, 13)
    assert weekly_slot_day(utc(2026, 11, 13, 2, 14, 59), AUCKLAND, FRIDAY, THREE_PM) == date(2026, 11, 13)
    assert weekly_slot_day(utc(2026, 11, 13, 2, 15), AUCKLAND, FRIDAY, THREE_PM) is None


def test_honolulu_reflection_is_keyed_by_local_friday_though_it_is_saturday_in_utc():
    assert weekly_slot_day(utc(2026, 11, 14, 1), HONOLULU, FRIDAY, THREE_PM) == date(2026, 11, 13)


def test_new_york_monday_slot_moves_with_the_dst_change():
    nine = time(9)
    assert weekly_slot_day(utc(2026, 10, 26, 13), NEW_YORK, MONDAY, nine) == date(2026, 10, 26)  # EDT
    assert weekly_slot_day(utc(2026, 11, 2, 13), NEW_YORK, MONDAY, nine) is None
    assert weekly_slot_day(utc(2026, 11, 2, 14), NEW_YORK, MONDAY, nine) == date(2026, 11, 2)  # EST


def test_a_slot_in_the_spring_forward_gap_happens_an_hour_later():
    half_two = time(2, 30)  # 2026-03-08 02:30 does not exist in New York
    assert weekly_slot_day(utc(2026, 3, 8, 7, 30), NEW_YORK, SUNDAY, half_two) == date(2026, 3, 8)  # 03:30 EDT


def test_a_custom_window_widens_the_due_period():
    hour = timedelta(hours=1)
    assert weekly_slot_day(utc(2026, 11, 13, 2, 59), AUCKLAND, FRIDAY, THREE_PM, hour) == date(2026, 11, 13)


# --- What reps type ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "hours"),
    [
        ("08:00-16:00", (time(8), time(16))),
        ("8-16", (time(8), time(16))),
        ("8:30–17:00", (time(8, 30), time(17))),
        (" 9 - 17 ", (time(9), time(17))),
        ("8am-4pm", (time(8), time(16))),
    ],
)
def test_reps_can_type_working_hours_the_way_they_say_them(typed, hours):
    assert parse_hours(typed) == hours


@pytest.mark.parametrize("typed", ["nine to five", "", "9", "9-17-18", "25-26", "9:75-17", "13pm-5pm"])
def test_unreadable_working_hours_get_an_example_to_copy(typed):
    with pytest.raises(ValueError, match="Try something like 9-17"):
        parse_hours(typed)


@pytest.mark.parametrize("typed", ["17-9", "9-9", "22:00-06:00"])
def test_working_hours_must_end_after_they_start(typed):
    with pytest.raises(ValueError, match="end after they start"):
        parse_hours(typed)


@pytest.mark.parametrize(
    ("typed", "days"),
    [("2w", 14), ("1 week", 7), ("3d", 3), ("10 days", 10), ("1w", 7), ("12 weeks", 84), ("84d", 84)],
)
def test_reps_can_snooze_for_days_or_weeks(typed, days):
    assert parse_snooze(typed) == timedelta(days=days)


@pytest.mark.parametrize("typed", ["13w", "85d", "0d", "soon", "2 months", "", "-1w"])
def test_snoozes_outside_one_day_to_twelve_weeks_are_refused_kindly(typed):
    with pytest.raises(ValueError, match="up to 12 weeks"):
        parse_snooze(typed)


@pytest.mark.parametrize(
    ("typed", "slot"),
    [
        ("fri 15:00", (FRIDAY, time(15))),
        ("friday 3pm", (FRIDAY, time(15))),
        ("mon 9:30", (MONDAY, time(9, 30))),
        ("Thursday at 12pm", (3, time(12))),
        ("sun 12am", (SUNDAY, time(0))),
    ],
)
def test_reps_can_pick_their_weekly_reflection_slot(typed, slot):
    assert parse_weekly_slot(typed) == slot


@pytest.mark.parametrize("typed", ["fr 15:00", "funday 3pm", "fri", "fri 13pm", "15:00 fri", ""])
def test_unreadable_weekly_slots_get_an_example_to_copy(typed):
    with pytest.raises(ValueError, match="like fri 15:00"):
        parse_weekly_slot(typed)


def test_a_deal_opened_last_night_counts_as_opened_yesterday_not_today():
    from bot.rules.nudges import concentrated_reps
    from storage.records import RepSellingTime

    time_on_one_deal = RepSellingTime("U1", 600, 0, 7, "Acme", 600)
    monday_9am_new_york = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    sunday_10pm_new_york = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 11 hours earlier
    found = concentrated_reps([time_on_one_deal], {"U1": sunday_10pm_new_york}, monday_9am_new_york, DEFAULTS, NEW_YORK)
    assert found["U1"].days_since_opened == 1
