"""The selling-time grammar on its own: what `/prospect …`, `/opportunity log …` and `quota` understand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.parsing import FieldErrors, ParseError
from bot.parsing.selling_time import (
    DealLog,
    parse_log,
    parse_log_form,
    parse_prospect,
    parse_prospect_form,
    parse_quota,
)
from storage.records import DEAL, NewActivity

TODAY = date(2026, 11, 23)  # a Monday
YESTERDAY = TODAY - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "kind", "touches", "minutes", "day", "note"),
    [
        ("25 calls 2h", "calls", 25, 120, TODAY, None),
        ("3 meetings booked", "meetings", 3, 0, TODAY, None),
        ("40m linkedin yesterday", "social", 0, 40, YESTERDAY, None),
        ("12 emails 1h mon follow-ups to webinar leads", "emails", 12, 60, TODAY, "follow-ups to webinar leads"),
        ("12 emails 1h fri", "emails", 12, 60, date(2026, 11, 20), None),
        ("calls 25", "calls", 25, 0, TODAY, None),
        ("8 cold calls 1h 30m", "calls", 8, 90, TODAY, None),
        ("2 intros 2 hours", "referrals", 2, 120, TODAY, None),
        ("1 webinar 1:30 2026-11-02", "events", 1, 90, date(2026, 11, 2), None),
        ("5 Dials 90m Today", "calls", 5, 90, TODAY, None),
        ('10 emails "3 replies so far"', "emails", 10, 0, TODAY, "3 replies so far"),
        ("25 calls 2h 3 of them booked", "calls", 25, 120, TODAY, "3 of them booked"),
    ],
)
def test_prospecting_lines_reps_actually_type(text, kind, touches, minutes, day, note):
    assert parse_prospect(text, TODAY) == NewActivity(
        kind=kind, occurred_on=day, minutes=minutes, touches=touches, note=note
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "What kind of prospecting"),
        ("25", "What kind of prospecting"),
        ("25 cals", "Did you mean calls?"),
        ("25 linkdin", "Did you mean social?"),
        ("25 pigeons", "I don't know the kind “pigeons”. Pick one of: calls, emails"),
        ("calls", "how many or how long"),
        ("-3 calls", "at least 1"),
        ("501 calls", "more than 500"),
        ("99999999999999999999 calls", "more than 500"),
        ("25 calls 0m", "no time at all"),
        ("25 calls 16h1m", "at most 16h"),
        ("25 calls tomorrow", "hasn't happened yet"),
        ("25 calls 2026-08-24", "more than 90 days ago"),
        ("25 calls 2026-02-30", "isn't a real date"),
    ],
)
def test_prospecting_mistakes_say_what_to_type(text, says):
    with pytest.raises(ParseError, match=None) as raised:
        parse_prospect(text, TODAY)
    assert says in str(raised.value)


def test_the_oldest_day_allowed_is_ninety_days_back():
    assert parse_prospect("1 call 2026-08-25", TODAY).occurred_on == date(2026, 8, 25)


def test_an_unknown_kind_is_echoed_escaped_and_short():
    with pytest.raises(ParseError) as raised:
        parse_prospect("3 <!channel>" + "x" * 100, TODAY)
    assert "<!channel>" not in str(raised.value) and "&lt;!channel&gt;" in str(raised.value)
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme 90m proposal review", DealLog("acme", 90, TODAY, "proposal review")),
        ("acme renewal 1.5h yesterday", DealLog("acme renewal", 90, YESTERDAY, None)),
        ("#12 1h30m", DealLog("#12", 90, TODAY, None)),
        ("globex 2027 pilot 2 hours thu demo prep", DealLog("globex 2027 pilot", 120, date(2026, 11, 19), "demo prep")),
        ('"Acme 2h sprint" 45m', DealLog("Acme 2h sprint", 45, TODAY, None)),
    ],
)
def test_deal_time_lines(text, expected):
    assert parse_log(text, TODAY) == expected


def test_ninety_m_is_a_duration_in_a_log_line_not_ninety_million():
    entry = parse_log("acme 90m", TODAY)
    assert entry.activity(7) == NewActivity(kind=DEAL, occurred_on=TODAY, minutes=90, opportunity_id=7)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "which deal and how long"),
        ("acme", "How long did you work on it?"),
        ("90m acme", "Name the deal first"),
        ("acme -30m", "can't be negative"),
        ("acme 25h", "at most 16h"),
        ("acme 90m 2026-12-01", "hasn't happened yet"),
    ],
)
def test_deal_time_mistakes(text, says):
    with pytest.raises(ParseError) as raised:
        parse_log(text, TODAY)
    assert says in str(raised.value)


@pytest.mark.parametrize(("text", "amount"), [("250k", 250_000), ("$1.2m", 1_200_000), ("900,000", 900_000)])
def test_quotas(text, amount):
    assert parse_quota(text) == amount


@pytest.mark.parametrize("text", ["0", "-250k", "lots", "20b"])
def test_bad_quotas(text):
    with pytest.raises(ParseError):
        parse_quota(text)


def test_the_prospecting_form_needs_a_count_or_a_time_and_flags_each_field():
    good = {"kind": "social", "count": "", "duration": "40m", "day": "2026-11-22", "note": " "}
    assert parse_prospect_form(good, TODAY) == NewActivity(kind="social", occurred_on=YESTERDAY, minutes=40)

    with pytest.raises(FieldErrors) as raised:
        parse_prospect_form({"kind": "pigeons", "count": "0", "duration": "0m", "day": "2026-11-24"}, TODAY)
    assert set(raised.value.errors) == {"kind", "count", "duration", "day"}

    with pytest.raises(FieldErrors) as raised:
        parse_prospect_form({"kind": "calls"}, TODAY)
    assert raised.value.errors == {"count": "Add how many, how long, or both."}


def test_the_log_time_form():
    assert parse_log_form({"duration": "1h30m", "day": None, "note": "call"}, TODAY) == (90, TODAY, "call")
    with pytest.raises(FieldErrors) as raised:
        parse_log_form({"duration": "", "day": "2026-01-01"}, TODAY)
    assert set(raised.value.errors) == {"duration", "day"}
