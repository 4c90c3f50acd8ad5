"""The obstacle grammar: one line names the deal, what stands in its way, a note and a checkpoint."""

from __future__ import annotations

from datetime import date

import pytest

from bot.parsing import FieldErrors, ParseError
from bot.parsing.obstacles import (
    parse_focus_obstacle,
    parse_new_checkpoint,
    parse_obstacle,
    parse_obstacle_form,
)

TODAY = date(2026, 11, 23)  # a Monday


def test_the_whole_line_reads_deal_kind_note_and_checkpoint():
    line = parse_obstacle('acme budget "no money until Q2" checkpoint:15 jan', TODAY)
    assert (line.deal, line.kind, line.note, line.checkpoint) == (
        "acme",
        "budget",
        "no money until Q2",
        date(2027, 1, 15),
    )


@pytest.mark.parametrize(
    ("typed", "deal", "kind", "note"),
    [
        (
            "acme renewal politics the CFO likes the old vendor",
            "acme renewal",
            "politics",
            "the CFO likes the old vendor",
        ),
        ("#12 timing", "#12", "timing", None),
        ("acme competing priority ERP rollout first", "acme", "competing priority", "ERP rollout first"),
        ('acme "competing priority"', "acme", "competing priority", None),
        ("acme money", "acme", "budget", None),
        ("acme other waiting on legal", "acme", "other", "waiting on legal"),
        ("Budget tool budget", "Budget tool", "budget", None),
    ],
)
def test_kinds_and_their_everyday_words(typed, deal, kind, note):
    line = parse_obstacle(typed, TODAY)
    assert (line.deal, line.kind, line.note) == (deal, kind, note)


def test_none_clears_the_obstacle_and_ignores_the_rest():
    line = parse_obstacle("acme none checkpoint:friday", TODAY)
    assert (line.deal, line.kind, line.note, line.checkpoint) == ("acme", None, None, None)


@pytest.mark.parametrize(
    ("typed", "checkpoint"),
    [
        ("acme budget checkpoint:2026-12-01", date(2026, 12, 1)),
        ("acme budget checkpoint:next friday", date(2026, 11, 27)),
        ("acme budget checkpoint:in 3 weeks", date(2026, 12, 14)),
        ("acme budget checkpoint:today", TODAY),
        ("acme checkpoint:dec 1 budget", date(2026, 12, 1)),
    ],
)
def test_a_checkpoint_can_be_any_date_a_close_date_can(typed, checkpoint):
    assert parse_obstacle(typed, TODAY).checkpoint == checkpoint


def test_an_unknown_kind_gets_a_did_you_mean():
    with pytest.raises(ParseError) as problem:
        parse_obstacle("acme budgte", TODAY)
    assert "Did you mean `budget`?" in str(problem.value) and "competing priority" in str(problem.value)


def test_no_kind_at_all_lists_the_kinds():
    with pytest.raises(ParseError) as problem:
        parse_obstacle("acme renewal xyz", TODAY)
    assert "budget, politics, timing, competing priority, other, or none" in str(problem.value)


@pytest.mark.parametrize("typed", ["", "acme", "budget"])
def test_a_deal_and_a_kind_are_both_needed(typed):
    with pytest.raises(ParseError) as problem:
        parse_obstacle(typed, TODAY)
    assert "/opportunity obstacle acme budget" in str(problem.value)


@pytest.mark.parametrize("when", ["2026-11-01", "yesterday-ish", "2028-06-01"])
def test_a_checkpoint_in_the_past_unreadable_or_over_a_year_away_is_refused(when):
    with pytest.raises(ParseError) as problem:
        parse_obstacle(f"acme budget checkpoint:{when}", TODAY)
    assert "checkpoint" in str(problem.value)


def test_typed_text_is_escaped_in_the_reply():
    with pytest.raises(ParseError) as problem:
        parse_obstacle("acme <!channel>budgt", TODAY)
    assert "<!channel>" not in str(problem.value)


def test_a_very_long_note_is_refused():
    with pytest.raises(ParseError):
        parse_obstacle("acme budget " + "x" * 301, TODAY)


def test_the_form_reads_kind_note_and_checkpoint_and_puts_errors_beside_fields():
    assert parse_obstacle_form({"kind": "timing", "note": "after the merger", "checkpoint": "2026-12-01"}, TODAY) == (
        "timing",
        "after the merger",
        date(2026, 12, 1),
    )
    assert parse_obstacle_form({"kind": "none"}, TODAY) == (None, None, None)
    with pytest.raises(FieldErrors) as problems:
        parse_obstacle_form({"kind": "weather", "checkpoint": "2026-11-01"}, TODAY)
    assert set(problems.value.errors) == {"kind", "checkpoint"}


def test_the_focus_form_obstacle_is_optional_but_a_checkpoint_needs_a_kind():
    assert parse_focus_obstacle({}, TODAY) == (None, None)
    assert parse_focus_obstacle({"kind": "budget", "checkpoint": "2026-12-01"}, TODAY) == ("budget", date(2026, 12, 1))
    with pytest.raises(FieldErrors) as problems:
        parse_focus_obstacle({"checkpoint": "2026-12-01"}, TODAY)
    assert set(problems.value.errors) == {"kind"}


def test_a_new_checkpoint_is_required_and_not_in_the_past():
    assert parse_new_checkpoint({"checkpoint": "2026-11-23"}, TODAY) == TODAY
    for values in ({}, {"checkpoint": "2026-11-22"}):
        with pytest.raises(FieldErrors):
            parse_new_checkpoint(values, TODAY)
