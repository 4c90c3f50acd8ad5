"""What a rep can type, and what they are told when it doesn't work. Today is Monday 23 Nov 2026."""

import re
from datetime import date

import pytest

from bot.parsing import ParseError
from bot.parsing.dates import looks_like_day, parse_activity_day, parse_close_date
from bot.parsing.tokens import match_choice, suggest, tokenize
from bot.parsing.values import (
    MAX_COUNT,
    MAX_ENTRY_MINUTES,
    PROSPECTING_KINDS,
    looks_like_amount,
    looks_like_duration,
    parse_amount,
    parse_count,
    parse_duration,
    parse_prospecting_kind,
)
from bot.rules.entries import MAX_DAYS_BACK

TODAY = date(2026, 11, 23)  # a Monday
STAGES = ("Prospecting", "Discovery", "Demo", "Proposal", "Negotiation", "Closed Won", "Closed Lost")


def message_for(parse, text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse(text)
    return str(caught.value)


# --- Amounts -------------------------------------------------------------------------------------


def test_a_rep_can_type_48k():
    assert parse_amount("48k") == 48_000
    assert parse_amount("48K") == 48_000


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("48000", 48_000),
        ("$48,000", 48_000),
        ("$48,000.00", 48_000),
        ("1.2m", 1_200_000),
        ("1.5M", 1_500_000),
        ("250k", 250_000),
        ("€5k", 5_000),
        ("£5k", 5_000),
        ("  12,345,678  ", 12_345_678),
        ("0", 0),
        (".5k", 500),
        ("10000000000", 10_000_000_000),
    ],
)
def test_a_rep_can_type_amounts_the_way_they_say_them(typed, amount):
    assert parse_amount(typed) == amount


def test_cents_round_to_the_nearest_whole_unit_with_halves_going_up():
    assert parse_amount("$48,000.49") == 48_000
    assert parse_amount("$48,000.50") == 48_001
    assert parse_amount("2.5") == 3


def test_an_unreadable_amount_says_what_to_type_instead():
    assert message_for(parse_amount, "lots") == (
        "I couldn't read “lots” as an amount. Try 48000, 48k, $48,000 or 1.2m."
    )


def test_an_empty_amount_asks_for_one():
    assert message_for(parse_amount, "  ") == "I need an amount here. Try 48000, 48k, $48,000 or 1.2m."


@pytest.mark.parametrize("typed", ["1.2.3k", "k", "$", "48,00", "48kk", "$ 48k", "48 000", "1e6"])
def test_malformed_amounts_are_rejected(typed):
    assert "as an amount" in message_for(parse_amount, typed)


def test_a_negative_amount_is_explained():
    assert message_for(parse_amount, "-5k") == (
        "Amounts can't be negative. Type the deal size as a positive number, like 48k."
    )


def test_an_absurd_amount_is_caught_as_a_typo():
    assert message_for(parse_amount, "10000000001").startswith("That's more than 10 billion")
    assert "more than 10 billion" in message_for(parse_amount, "20000m")


@pytest.mark.parametrize("token", ["48k", "$48,000", "1.2m", "€5k", "-5k", "48000", "$48,000.00"])
def test_money_shaped_words_are_spotted_in_a_quick_entry(token):
    assert looks_like_amount(token)


@pytest.mark.parametrize("token", ["acme", "k", "$", "1.2.3k", "renewal", "q4", "2026-12-15", ""])
def test_plain_words_are_not_mistaken_for_money(token):
    assert not looks_like_amount(token)


# --- Close dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("today", date(2026, 11, 23)),
        ("Tomorrow", date(2026, 11, 24)),
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("FRIDAY", date(2026, 11, 27)),
        ("next friday", date(2026, 11, 27)),
        ("mon", date(2026, 11, 30)),
        ("monday", date(2026, 11, 30)),
        ("tue", date(2026, 11, 24)),
        ("thurs", date(2026, 11, 26)),
        ("sun", date(2026, 11, 29)),
        ("dec 15", date(2026, 12, 15)),
        ("15 dec", date(2026, 12, 15)),
        ("december 15", date(2026, 12, 15)),
        ("Dec 15 2027", date(2027, 12, 15)),
        ("dec 15th, 2027", date(2027, 12, 15)),
        ("nov 23", date(2026, 11, 23)),
        ("eow", date(2026, 11, 27)),
        ("eom", date(2026, 11, 30)),
        ("eoq", date(2026, 12, 31)),
        ("eoy", date(2026, 12, 31)),
        ("end of month", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in 1 month", date(2026, 12, 23)),
        ("in a week", date(2026, 11, 30)),
        ("next week", date(2026, 11, 30)),
        ("next month", date(2026, 12, 1)),
        ("  Next   Month ", date(2026, 12, 1)),
    ],
)
def test_a_rep_can_give_a_close_date_in_everyday_words(typed, expected):
    assert parse_close_date(typed, TODAY) == expected


def test_a_month_and_day_that_already_passed_means_next_year():
    assert parse_close_date("nov 1", TODAY) == date(2027, 11, 1)
    assert parse_close_date("jan 10", TODAY) == date(2027, 1, 10)


def test_a_weekday_on_that_same_weekday_means_a_week_later():
    friday = date(2026, 11, 27)
    assert parse_close_date("fri", friday) == date(2026, 12, 4)
    assert parse_close_date("next fri", friday) == date(2026, 12, 4)


def test_end_of_week_is_this_friday_even_on_a_friday_or_weekend():
    assert parse_close_date("eow", date(2026, 11, 27)) == date(2026, 11, 27)
    assert parse_close_date("eow", date(2026, 11, 28)) == date(2026, 12, 4)


def test_next_week_from_a_sunday_is_the_very_next_day():
    assert parse_close_date("next week", date(2026, 11, 29)) == date(2026, 11, 30)


def test_a_month_from_the_31st_lands_on_the_last_day_of_a_shorter_month():
    assert parse_close_date("in 1 month", date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("quarter_start_month", "expected"),
    [(1, date(2026, 12, 31)), (4, date(2026, 12, 31)), (2, date(2027, 1, 31)), (11, date(2027, 1, 31))],
)
def test_end_of_quarter_follows_the_teams_fiscal_year(quarter_start_month, expected):
    assert parse_close_date("eoq", TODAY, quarter_start_month) == expected


def test_end_of_quarter_on_the_last_day_of_a_quarter_is_today():
    assert parse_close_date("eoq", date(2026, 9, 30)) == date(2026, 9, 30)
    assert parse_close_date("eoq", date(2026, 10, 1)) == date(2026, 12, 31)


def test_a_nonsense_fiscal_year_start_is_a_programming_error_not_a_rep_error():
    with pytest.raises(ValueError, match="quarter_start_month") as caught:
        parse_close_date("eoq", TODAY, 13)
    assert not isinstance(caught.value, ParseError)


def test_an_unreadable_close_date_says_what_to_type_instead():
    assert message_for(lambda text: parse_close_date(text, TODAY), "soonish") == (
        "I couldn't read “soonish” as a close date. Try friday, dec 15, 2026-11-30, eom, eoq or in 2 weeks."
    )


@pytest.mark.parametrize("typed", ["2026-02-30", "feb 30", "31 apr 2027", "2027-13-01"])
def test_an_impossible_date_is_pointed_out(typed):
    message = message_for(lambda text: parse_close_date(text, TODAY), typed)
    assert message == f"“{typed}” isn't a real date. Check the day and month, like 2026-12-15 or dec 15."


@pytest.mark.parametrize("typed", ["2026-11-20", "yesterday", "Dec 15 2025"])
def test_a_close_date_in_the_past_is_refused(typed):
    message = message_for(lambda text: parse_close_date(text, TODAY), typed)
    assert message.startswith("That close date is already in the past")


def test_a_close_date_more_than_five_years_out_is_refused():
    assert parse_close_date("2031-11-23", TODAY) == date(2031, 11, 23)
    assert message_for(lambda text: parse_close_date(text, TODAY), "2031-11-24") == (
        "That close date is over 5 years away. Pick 2031-11-23 or sooner."
    )
    assert "over 5 years" in message_for(lambda text: parse_close_date(text, TODAY), "in 999 weeks")


# --- Durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("90m", 90),
        ("90 min", 90),
        ("90 mins", 90),
        ("90 minutes", 90),
        ("1.5h", 90),
        ("1h", 60),
        ("2 hours", 120),
        ("2 hrs", 120),
        ("1 hr", 60),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("16h", MAX_ENTRY_MINUTES),
        ("1H30M", 90),
    ],
)
def test_a_rep_can_log_time_the_way_they_say_it(typed, minutes):
    assert parse_duration(typed) == minutes


def test_an_unreadable_time_says_what_to_type_instead():
    assert message_for(parse_duration, "a while") == (
        "I couldn't read “a while” as a time. Try 90m, 1.5h, 1h30m or 1:30."
    )


@pytest.mark.parametrize("typed", ["90", "hours", "1:75", "1.5.h", "m", ""])
def test_a_time_needs_a_number_and_a_unit(typed):
    message = message_for(parse_duration, typed)
    assert "Try 90m, 1.5h, 1h30m or 1:30." in message


def test_zero_time_is_refused():
    expected = "That's no time at all. Log at least a minute, like 15m or 1h."
    assert message_for(parse_duration, "0m") == expected
    assert message_for(parse_duration, "0:00").startswith("That's no time at all")


def test_negative_time_is_refused():
    expected = "Time can't be negative. Type how long it took, like 45m or 1.5h."
    assert message_for(parse_duration, "-30m") == expected


def test_more_than_a_days_work_in_one_entry_is_refused():
    expected = "That's more than a day's work in one entry — log at most 16h at a time."
    assert message_for(parse_duration, "25h") == expected
    assert message_for(parse_duration, "16:01") == expected
    assert MAX_ENTRY_MINUTES == 16 * 60


@pytest.mark.parametrize("token", ["90m", "1.5h", "1h30m", "1:30", "2hrs", "-30m"])
def test_time_shaped_words_are_spotted_in_a_quick_entry(token):
    assert looks_like_duration(token)


@pytest.mark.parametrize("token", ["2", "hours", "m", "acme", "", "1:5"])
def test_a_bare_number_or_unit_is_not_a_time(token):
    assert not looks_like_duration(token)


# --- Activity days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("today", date(2026, 11, 23)),
        ("yesterday", date(2026, 11, 22)),
        ("mon", date(2026, 11, 23)),
        ("Monday", date(2026, 11, 23)),
        ("sun", date(2026, 11, 22)),
        ("fri", date(2026, 11, 20)),
        ("tues", date(2026, 11, 17)),
        ("2026-11-02", date(2026, 11, 2)),
        ("2026-08-25", date(2026, 8, 25)),
    ],
)
def test_a_rep_can_say_when_an_activity_happened(typed, expected):
    assert parse_activity_day(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["tomorrow", "2026-11-24", "2027-01-01"])
def test_an_activity_cannot_be_logged_in_the_future(typed):
    assert message_for(lambda text: parse_activity_day(text, TODAY), typed) == (
        "That day hasn't happened yet. Log activity for today or earlier, like yesterday or mon."
    )


def test_an_activity_more_than_90_days_ago_is_refused():
    assert MAX_DAYS_BACK == 90
    assert message_for(lambda text: parse_activity_day(text, TODAY), "2026-08-24") == (
        "That's more than 90 days ago. Pick 2026-08-25 or later."
    )


def test_an_unreadable_day_says_what_to_type_instead():
    assert message_for(lambda text: parse_activity_day(text, TODAY), "last week") == (
        "I couldn't read “last week” as a day. Try today, yesterday, a weekday like tue, or a date like 2026-11-23."
    )


def test_an_impossible_activity_date_is_pointed_out():
    assert "isn't a real date" in message_for(lambda text: parse_activity_day(text, TODAY), "2026-02-30")


@pytest.mark.parametrize("token", ["today", "Yesterday", "tomorrow", "fri", "wednesday", "2026-11-20"])
def test_day_words_are_spotted_in_a_quick_entry(token):
    assert looks_like_day(token)


@pytest.mark.parametrize("token", ["acme", "12", "friyay", "dec", ""])
def test_other_words_are_not_mistaken_for_days(token):
    assert not looks_like_day(token)


# --- Prospecting kinds and counts ----------------------------------------------------------------


def test_the_prospecting_kinds_are_fixed():
    assert PROSPECTING_KINDS == ("calls", "emails", "meetings", "social", "referrals", "events", "other")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("call", "calls"),
        ("Calls", "calls"),
        ("dials", "calls"),
        ("phone", "calls"),
        ("cold calls", "calls"),
        ("email", "emails"),
        ("e-mails", "emails"),
        ("InMail", "emails"),
        ("mails", "emails"),
        ("meeting", "meetings"),
        ("meetings booked", "meetings"),
        ("demos", "meetings"),
        ("appointment", "meetings"),
        ("LinkedIn", "social"),
        ("twitter", "social"),
        ("x", "social"),
        ("dms", "social"),
        ("post", "social"),
        ("intro", "referrals"),
        ("introductions", "referrals"),
        ("referral", "referrals"),
        ("webinar", "events"),
        ("conferences", "events"),
        ("trade show", "events"),
        ("misc", "other"),
        ("other", "other"),
    ],
)
def test_a_rep_can_name_a_prospecting_kind_in_their_own_words(typed, kind):
    assert parse_prospecting_kind(typed) == kind


def test_every_kind_is_its_own_name():
    assert all(parse_prospecting_kind(kind) == kind for kind in PROSPECTING_KINDS)


def test_an_unknown_kind_is_none():
    assert parse_prospecting_kind("carrier pigeons") is None
    assert parse_prospecting_kind("") is None


def test_a_typo_gets_a_did_you_mean():
    assert suggest("emials", PROSPECTING_KINDS) == "emails"
    assert suggest("Refferals", PROSPECTING_KINDS) == "referrals"
    assert suggest("discovry", STAGES) == "Discovery"


def test_nothing_close_means_no_suggestion():
    assert suggest("banana", PROSPECTING_KINDS) is None
    assert suggest("calls", []) is None


@pytest.mark.parametrize(("typed", "count"), [("1", 1), ("12", 12), (" 500 ", 500), ("+3", 3)])
def test_a_rep_can_log_how_many_touches(typed, count):
    assert parse_count(typed) == count


def test_a_huge_count_is_caught_as_a_typo():
    assert MAX_COUNT == 500
    expected = "That's more than 500 in one entry — split it up or check the number."
    assert message_for(parse_count, "999999") == expected
    assert message_for(parse_count, "501") == expected


@pytest.mark.parametrize("typed", ["0", "-3"])
def test_a_count_must_be_at_least_one(typed):
    assert message_for(parse_count, typed) == "A count has to be at least 1. Type how many you did, like 12."


@pytest.mark.parametrize("typed", ["3.5", "abc", "1,000", ""])
def test_a_count_must_be_a_whole_number(typed):
    assert "a whole number from 1 to 500, like 12." in message_for(parse_count, typed)


# --- Tokens and choices --------------------------------------------------------------------------


def test_quick_entry_words_are_split_on_whitespace():
    assert tokenize("  acme   renewal\t48k fri ") == ["acme", "renewal", "48k", "fri"]
    assert tokenize("") == []


def test_quoted_words_stay_together():
    assert tokenize('new "Acme Corp renewal" 48k') == ["new", "Acme Corp renewal", "48k"]


def test_curly_quotes_from_a_phone_work_too():
    assert tokenize("new “Acme Corp” 48k") == ["new", "Acme Corp", "48k"]


def test_a_quoted_value_after_a_key_becomes_one_token():
    assert tokenize('account:"Acme Corp" close:“dec 15”') == ["account:Acme Corp", "close:dec 15"]


def test_an_unbalanced_quote_is_just_a_character():
    assert tokenize('note "hello world') == ["note", '"hello', "world"]
    assert tokenize('a "b" c"') == ["a", "b", 'c"']


def test_apostrophes_and_empty_quotes_do_no_harm():
    assert tokenize("O'Brien's deal \"\"") == ["O'Brien's", "deal"]


@pytest.mark.parametrize(
    ("typed", "stage"),
    [
        ("discovery", "Discovery"),
        ("DEMO", "Demo"),
        ("disc", "Discovery"),
        ("neg", "Negotiation"),
        ("closed won", "Closed Won"),
        ("closed_won", "Closed Won"),
        ("closed-lost", "Closed Lost"),
        ("closedw", "Closed Won"),
    ],
)
def test_a_rep_can_name_a_stage_loosely(typed, stage):
    assert match_choice(typed, STAGES) == stage


@pytest.mark.parametrize("typed", ["closed", "d", "", "  ", "---", "won", "banana"])
def test_an_ambiguous_or_unknown_stage_matches_nothing(typed):
    assert match_choice(typed, STAGES) is None


def test_an_exact_name_beats_a_longer_one_it_prefixes():
    assert match_choice("closed", ("Closed", "Closed Won")) == "Closed"


# --- Hostile input -------------------------------------------------------------------------------

HOSTILE = [
    "x" * 10_000,
    "9" * 10_000,
    "1" * 5_000 + "k",
    "💰💰💰",
    "四万八千",
    "٤٨٠٠٠",
    "'; DROP TABLE x; --",
    "<!channel> pay me",
    "\x00\x1b[31m",
    '"' * 501,
]
REJECTING_PARSERS = [
    parse_amount,
    parse_duration,
    parse_count,
    lambda text: parse_close_date(text, TODAY),
    lambda text: parse_activity_day(text, TODAY),
]


@pytest.mark.parametrize("parse", REJECTING_PARSERS)
@pytest.mark.parametrize("typed", HOSTILE, ids=lambda typed: repr(typed[:12]))
def test_hostile_input_gets_a_short_friendly_refusal_not_a_crash(parse, typed):
    message = message_for(parse, typed)
    echoed = re.search("“(.*)”", message)
    assert len(message) < 200
    assert echoed is None or len(echoed[1]) <= 40
    assert "<!channel>" not in message
    assert "\x00" not in message


@pytest.mark.parametrize("typed", HOSTILE, ids=lambda typed: repr(typed[:12]))
def test_hostile_input_is_never_a_kind_a_stage_or_a_quick_entry_word(typed):
    assert parse_prospecting_kind(typed) is None
    assert suggest(typed, PROSPECTING_KINDS) is None
    assert match_choice(typed, STAGES) is None
    assert not looks_like_duration(typed)
    assert not looks_like_day(typed)
    assert isinstance(tokenize(typed), list)


def test_a_long_echo_is_clipped_to_forty_characters():
    message = message_for(parse_amount, "lots of money " * 100)
    assert "“lots of money lots of money lots of mon…”" in message


def test_an_echo_cannot_ping_the_channel():
    assert "“&lt;!channel&gt; pay me”" in message_for(parse_amount, "<!channel> pay me")
