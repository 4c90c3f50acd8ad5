"""Block Kit for what a lost deal taught: the one question the reply to "Lost" asks, with its button, and
the small form the answer is written in (kept with the rep's reflections)."""

from __future__ import annotations

from bot.messages import kit
from bot.messages.format import deal_name
from bot.parsing.coaching import MAX_ANSWER
from bot.questions import lesson_question

KEEP_LESSON = "coach_keep_lesson"
LESSON_VIEW = "coach_lesson_view"


def lost_blocks(opportunity_id: int, name: str, lead: str) -> list[dict]:
    """The "marked lost" reply: what happened, then one question and a button to answer it."""
    question = lesson_question(deal_name(name))
    return [
        kit.section(lead),
        kit.section(
            f":thought_balloon: One question, while it is fresh: _{question}_",
            kit.button("Keep a lesson", KEEP_LESSON, kit.button_value(o=opportunity_id)),
        ),
        kit.context("Only you see your answer: `/opportunity reflections`. A line is plenty."),
    ]


def lesson_modal(name: str, metadata: str) -> dict:
    lead = f"*{deal_name(name)}* is closed. What it taught is yours to keep."
    field = ("answer", lesson_question(name)[:150], "Their budget owner never joined a call…", MAX_ANSWER)
    return kit.answer_modal(LESSON_VIEW, "A lesson kept", "Keep it", metadata, lead, field)


def lesson_kept(name: str) -> dict:
    text = f":seedling: Kept. What *{deal_name(name)}* taught stays with your reflections; I may ask about it again."
    return kit.told(text)
