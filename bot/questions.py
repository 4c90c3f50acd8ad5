"""The coach's question bank, and how a question is picked for a rep.

Our own words, tagged by theme:
- detach: when to step back from a deal far enough to invest in others
- obstacle: what stands between a deal and a decision (budget, politics, timing, competing priorities)
- number: whether the need to make the number is what drives a pursuit
- slip: whether the pipeline would survive this deal slipping a quarter
- create: what early-stage work would create next quarter's deals
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

REPEAT_AFTER_WEEKS = 8


@dataclass(frozen=True)
class Question:
    id: str
    theme: str
    text: str


BANK: tuple[Question, ...] = (
    Question(
        "detach-1",
        "detach",
        "If you gave your biggest deal two fewer hours next week, what would actually change for it?",
    ),
    Question(
        "detach-2",
        "detach",
        "Which part of the work on your top deal only you can do, and which part could wait or be shared?",
    ),
    Question(
        "detach-3",
        "detach",
        "What would have to be true for you to step back from your top deal for a few days without worrying?",
    ),
    Question(
        "detach-4", "detach", "Is the next step on your top deal yours to take, or is it the buyer's move right now?"
    ),
    Question("detach-5", "detach", "If a colleague spent this much time on one deal, what would you suggest to them?"),
    Question(
        "obstacle-1",
        "obstacle",
        "What stands between your biggest deal and a decision: budget, politics, timing or something else?",
    ),
    Question("obstacle-2", "obstacle", "Who could say no to your top deal that you haven't spoken with yet?"),
    Question(
        "obstacle-3",
        "obstacle",
        "Which of your deals is competing with another priority on the buyer's side, and which priority is winning?",
    ),
    Question(
        "obstacle-4", "obstacle", "Is the budget for your top deal approved, or still something someone hopes to find?"
    ),
    Question(
        "number-1",
        "number",
        "Are you chasing any deal mainly because you need it for the number? How would you judge it if you didn't?",
    ),
    Question("number-2", "number", "If your quota were already met, which deal would you stop working on first?"),
    Question(
        "number-3", "number", "Which deal are you most hopeful about, and what evidence from the buyer backs that hope?"
    ),
    Question("number-4", "number", "Has the pressure of the number changed how you qualify deals lately? How?"),
    Question(
        "slip-1", "slip", "If your biggest deal slipped a quarter, what would be left in your pipeline for this one?"
    ),
    Question(
        "slip-2", "slip", "Which deal would hurt the most if it moved out a quarter, and what backs it up if it does?"
    ),
    Question("slip-3", "slip", "How many of your open deals could close this quarter without a single heroic effort?"),
    Question("create-1", "create", "What could you start this week that turns into a deal next quarter?"),
    Question(
        "create-2", "create", "Which account or contact have you meant to reach out to for weeks? What is stopping you?"
    ),
    Question(
        "create-3",
        "create",
        "Where did your best deal this year come from, and how could you find another one like it?",
    ),
    Question("create-4", "create", "If you had one free hour for prospecting tomorrow, who would you call first?"),
    Question("create-5", "create", "Which customer could introduce you to the next buyer, if you asked?"),
    # Only for a rep who kept a lesson from a lost deal lately (bot/jobs/reflections.py returns to it).
    Question("lesson-1", "lesson", "Is there a deal open now where what your lost deal taught you could already help?"),
    Question(
        "lesson-2",
        "lesson",
        "What will you do differently in the first two weeks of your next deal, given that lesson?",
    ),
    Question(
        "lesson-3",
        "lesson",
        "Looking back at the deal you lost, when was the first sign, and would you spot it sooner now?",
    ),
)
ONLY_WHEN_CHOSEN = frozenset({"lesson"})  # themes asked only when the caller prefers them

# Asked in a nudge when the deal taking most of the rep's time has an open obstacle: about that obstacle.
OBSTACLE_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "budget": (
        Question(
            "budget-1", "budget", "Who would have to find the money for this deal, and have you heard it from them?"
        ),
        Question(
            "budget-2", "budget", "If the budget only arrives next year, what can you usefully do on this deal now?"
        ),
    ),
    "politics": (
        Question(
            "politics-1", "politics", "Who gains if nothing changes, and what would make it safe for them to say yes?"
        ),
        Question(
            "politics-2", "politics", "Does your champion have the standing to carry this, or are they hoping you do?"
        ),
    ),
    "timing": (
        Question("timing-1", "timing", "What has to happen on the buyer's side before the timing is right?"),
        Question("timing-2", "timing", "If you stepped back until the checkpoint, what would you miss?"),
    ),
    "competing priority": (
        Question("priority-1", "priority", "What is the buyer working on instead, and when does that finish?"),
        Question(
            "priority-2", "priority", "Would the buyer still choose this if they had one free week? How do you know?"
        ),
    ),
    "other": (
        Question("other-1", "other", "What would the buyer need to see to move this deal forward on their own?"),
        Question("other-2", "other", "How much of the next step is in your hands, and how much is waiting on them?"),
    ),
}


def lesson_question(deal_name: str) -> str:
    """The one question the reply to "Lost" asks (the answer is kept with the rep's reflections)."""
    return f"What did {deal_name} teach you that you'll use on the next deal?"


# Asked in a nudge when the top deal shows a walk-away signal (bot/rules/walkaway.py): about that signal.
WALKAWAY_QUESTIONS: dict[str, Question] = {
    "pushed": Question(
        "walk-pushed", "walkaway", "Its close date keeps moving: what date would the buyer commit to if you asked?"
    ),
    "long_in_stage": Question(
        "walk-stage",
        "walkaway",
        "What would have to happen for this deal to reach its next stage, and whose move is it?",
    ),
    "time_over_value": Question(
        "walk-value", "walkaway", "If this deal got time in line with its value, where would the other hours go?"
    ),
}


BY_ID = {question.id: question for question in BANK}  # the weekly bank; nudge-only questions live apart


# Questions that only make sense while the obstacle's checkpoint still lies ahead.
ABOUT_THE_CHECKPOINT = frozenset({"timing-2"})


def obstacle_question(kind: str, recent_ids: Collection[str], seed: int = 0, checkpoint_ahead: bool = True) -> Question:
    """A question about the obstacle on the deal taking most of the rep's time (one not asked lately if any);
    never one about a checkpoint that has passed (or was never set)."""
    choices = OBSTACLE_QUESTIONS.get(kind) or OBSTACLE_QUESTIONS["other"]
    if not checkpoint_ahead:
        choices = tuple(question for question in choices if question.id not in ABOUT_THE_CHECKPOINT)
    fresh = [question for question in choices if question.id not in recent_ids] or list(choices)
    return fresh[seed % len(fresh)]


def pick_question(
    recent_ids: Collection[str], concentrated: bool, seed: int = 0, themes: Collection[str] | None = None
) -> Question:
    """One question the rep has not been asked in the last 8 weeks (recent_ids), chosen steadily.

    A rep flagged as concentrated gets a "detach" question (or, if all were asked recently, a "slip" one).
    `themes` narrows the choice further; `seed` (e.g. the week number) rotates through what is left,
    so the pick is deterministic and testable. When everything was asked recently, the least recent
    constraint is dropped: a question is better than none.
    """
    preferred = ("detach", "slip") if concentrated else tuple(themes or ())
    fresh = [
        question
        for question in BANK
        if question.id not in recent_ids and (question.theme not in ONLY_WHEN_CHOSEN or question.theme in preferred)
    ]
    for theme in preferred:
        choices = [question for question in fresh if question.theme == theme]
        if choices:
            return choices[seed % len(choices)]
    if fresh:
        return fresh[seed % len(fresh)]
    usual = [question for question in BANK if question.theme not in ONLY_WHEN_CHOSEN]
    return usual[seed % len(usual)]
