"""The question bank and how a question is chosen: never the same one within 8 weeks, and a question
about stepping back for a rep whose time is concentrated on one deal."""

from __future__ import annotations

from collections import Counter

from bot.questions import BANK, BY_ID, REPEAT_AFTER_WEEKS, pick_question

THEMES = {"detach", "obstacle", "number", "slip", "create", "lesson"}


def test_the_bank_has_about_twenty_questions_on_every_theme():
    assert 18 <= len(BANK) <= 24
    assert len(BY_ID) == len(BANK)
    themes = Counter(question.theme for question in BANK)
    assert set(themes) == THEMES and min(themes.values()) >= 3
    for question in BANK:
        assert question.text.endswith("?") and len(question.text) <= 150
        assert "<" not in question.text and "&" not in question.text


def test_a_concentrated_rep_is_asked_about_stepping_back():
    assert pick_question(set(), concentrated=True).theme == "detach"


def test_when_every_detach_question_was_asked_lately_a_slip_question_comes_next():
    asked = {question.id for question in BANK if question.theme == "detach"}
    assert pick_question(asked, concentrated=True).theme == "slip"


def test_a_recent_question_is_never_picked_again():
    asked: list[str] = []
    for week in range(40):
        recent = set(asked[-REPEAT_AFTER_WEEKS:])
        question = pick_question(recent, concentrated=week % 3 == 0, seed=week)
        assert question.id not in recent
        asked.append(question.id)
    assert len(set(asked)) > 15  # it rotates through the bank rather than circling a few


def test_with_every_question_asked_lately_there_is_still_a_question():
    assert pick_question({question.id for question in BANK}, concentrated=False).id in BY_ID


def test_the_seed_rotates_through_what_is_left_and_wraps_around():
    fresh = [question for question in BANK if question.id != "detach-1" and question.theme != "lesson"]
    picks = [pick_question({"detach-1"}, False, seed=seed) for seed in range(len(fresh) + 1)]
    assert picks[: len(fresh)] == fresh, "each seed takes the next fresh question, in the bank's order"
    assert picks[len(fresh)] == fresh[0], "and the rotation starts over"


def test_themes_can_be_asked_for():
    assert pick_question(set(), concentrated=False, themes=["create"]).theme == "create"


def test_a_lesson_question_comes_only_when_asked_for():
    everything_else = {question.id for question in BANK if question.theme != "lesson"}
    assert pick_question(set(), concentrated=False, themes=["lesson"]).theme == "lesson"
    assert pick_question(everything_else, concentrated=False).theme != "lesson"
    assert all(pick_question(set(), concentrated=False, seed=seed).theme != "lesson" for seed in range(60))
