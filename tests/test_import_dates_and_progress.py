"""The dates other tools write read as the slash commands read them, and a long import shows how far it is."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from bot.import_cli import Progress
from bot.parsing import ParseError
from bot.parsing.dates import AmbiguousDate, parse_close_date, parse_date, parse_moment

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "order", "day"),
    [
        ("2026-12-15", None, date(2026, 12, 15)),
        ("12/15/2026", None, date(2026, 12, 15)),
        ("15/12/2026", None, date(2026, 12, 15)),
        ("15.12.2026", None, date(2026, 12, 15)),
        ("2026/12/15", None, date(2026, 12, 15)),
        ("dec 15 2026", None, date(2026, 12, 15)),
        ("4/4/2026", None, date(2026, 4, 4)),
        ("03/04/2026", "mdy", date(2026, 3, 4)),
        ("03/04/2026", "dmy", date(2026, 4, 3)),
        ("1/2/2020", "mdy", date(2020, 1, 2)),
    ],
)
def test_a_file_date_reads_in_any_common_shape_past_or_future(typed, order, day):
    assert parse_date(typed, TODAY, order) == day


def test_a_day_and_month_that_could_swap_are_refused_never_guessed():
    with pytest.raises(AmbiguousDate, match="could be mar 4 or apr 3"):
        parse_date("03/04/2026", TODAY)
    with pytest.raises(ParseError, match="isn't a real date"):
        parse_date("12/31/2026", TODAY, "dmy")


def test_the_close_date_of_a_new_deal_takes_a_us_date_too():
    assert parse_close_date("12/15/2026", TODAY) == date(2026, 12, 15)
    with pytest.raises(AmbiguousDate):
        parse_close_date("01/02/2027", TODAY)


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("2026-11-23 15:00:00", datetime(2026, 11, 23, 15, tzinfo=UTC)),
        ("2026-11-23T15:00:00Z", datetime(2026, 11, 23, 15, tzinfo=UTC)),
        ("2026-01-15 10:23", datetime(2026, 1, 15, 10, 23, tzinfo=UTC)),
        ("11/23/2026 3:05 PM", datetime(2026, 11, 23, 15, 5, tzinfo=UTC)),
        ("11/23/2026, 12:05 am", datetime(2026, 11, 23, 0, 5, tzinfo=UTC)),
        ("2026-11-23", datetime(2026, 11, 23, tzinfo=UTC)),
    ],
)
def test_a_time_of_creation_reads_with_or_without_a_time_of_day(typed, moment):
    assert parse_moment(typed, TODAY) == moment


@pytest.mark.parametrize(
    ("typed", "says"),
    [("2026-11-23 25:00", "as a time. Try 2026-11-23 15:00:00"), ("11/23/2026 13:00 pm", "as a time"),
     ("soon 10:00", "“soon” as a date. Try 2026-12-15, 12/15/2026")],
)  # fmt: skip
def test_a_time_that_is_no_time_says_what_to_write(typed, says):
    with pytest.raises(ParseError, match=says):
        parse_moment(typed, TODAY)


def test_progress_off_a_terminal_is_one_plain_line_per_ten_thousand_rows():
    out = io.StringIO()
    show = Progress(out)
    for done in range(0, 25_001, 1000):
        show("read", done, None)
    for done in range(1000, 25_001, 1000):
        show("imported", done, 25_000)
    show.end()
    assert out.getvalue().splitlines() == [
        "Read 10,000 rows",
        "Read 20,000 rows",
        "Imported 10,000 of 25,000 rows",
        "Imported 20,000 of 25,000 rows",
    ]


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    show = Progress(out)
    show("imported", 500, 1000)
    show("imported", 1000, 1000)
    show.end()
    assert out.getvalue() == (
        "\rImported [###############               ] 500 of 1,000 rows "
        "\rImported [##############################] 1,000 of 1,000 rows \n"
    )
