"""Export requests are read forgivingly, and the CSV opens cleanly in any spreadsheet."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.parsing import ParseError
from bot.parsing.export import parse_export
from bot.services.export import cell, to_csv

TODAY = date(2026, 11, 23)


def test_by_default_a_rep_exports_both_files_of_their_own_since_ever():
    request = parse_export("", TODAY)
    assert (request.kinds, request.since, request.whole_team) == (("opportunities", "activities"), None, False)


@pytest.mark.parametrize(
    ("typed", "kinds", "since", "team"),
    [
        ("opportunities", ("opportunities",), None, False),
        ("activities 30d", ("activities",), date(2026, 10, 24), False),
        ("all 2026-10-01 team", ("opportunities", "activities"), date(2026, 10, 1), True),
        ("team deals 2w", ("opportunities",), date(2026, 11, 9), True),
    ],
)
def test_kinds_dates_and_team_can_come_in_any_order(typed, kinds, since, team):
    request = parse_export(typed, TODAY)
    assert (request.kinds, request.since, request.whole_team) == (kinds, since, team)


@pytest.mark.parametrize("typed", ["everything", "2027-01-01", "yesterday-ish", "<!channel>"])
def test_unreadable_requests_say_what_to_type(typed):
    with pytest.raises(ParseError) as problem:
        parse_export(typed, TODAY)
    assert "/opportunity export" in str(problem.value) or "future" in str(problem.value)


def test_cells_are_plain_and_formulas_from_people_are_defused():
    assert cell(None) == ""
    assert cell(48000) == "48000"
    assert cell(date(2026, 12, 15)) == "2026-12-15"
    assert cell(datetime(2026, 11, 23, 15, 0, 5, tzinfo=UTC)) == "2026-11-23 15:00:05"
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell('Acme, "the big one"') == 'Acme, "the big one"'


def test_the_csv_has_a_header_and_counts_its_rows():
    text, rows = to_csv(("id", "name"), [(1, "Acme, Inc"), (2, "株式会社")])
    assert rows == 2
    assert text == 'id,name\r\n1,"Acme, Inc"\r\n2,株式会社\r\n'
