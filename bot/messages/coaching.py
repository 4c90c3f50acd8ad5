"""Block Kit for the coach: the concentration nudge (its evidence: nudge_evidence.py), weekly reflections,
prospecting-block follow-ups,
the coaching settings card, the rep's answers, and the coach's modals. Plain data in, payloads out."""

from __future__ import annotations

from datetime import date

from bot.messages.coaching_ids import PLAN_BLOCK
from bot.messages.format import day_label, duration
from bot.messages.kit import (
    actions,
    answer_modal,
    button,
    button_value,
    context,
    datepicker,
    input_block,
    modal,
    option,
    reply,
    section,
    static_select,
    text_input,
    told,
)
from bot.messages.nudge_evidence import NudgeEvidence, detach_lines, evidence_text, pipeline_text
from bot.messages.obstacles import obstacle_fields
from bot.parsing.coaching import BLOCK_LENGTHS, MAX_ANSWER
from bot.text import clip, escape

# Action ids (buttons) and callback ids (modals): the handlers register exactly these.
SNOOZE_WEEK = "coach_snooze_week"
CHOOSE_FOCUS = "coach_choose_focus"
ANSWER_REFLECTION = "coach_answer_reflection"
BLOCK_DONE = "coach_block_done"
BLOCK_MISSED = "coach_block_missed"
PLAN_VIEW = "coach_plan_view"
FOCUS_VIEW = "coach_focus_view"
REFLECTION_VIEW = "coach_reflection_view"


# ---- the nudge ---------------------------------------------------------------


def nudge_message(evidence: NudgeEvidence, question: str, for_date: date) -> tuple[str, list[dict]]:
    """The concentration nudge: the evidence, a fair word for the deal, one question, three ways to answer."""
    name = escape(clip(evidence.top_deal_name or "", 60))
    lead = (
        f":compass: A quick look at your last {evidence.window_days} days: "
        f"{duration(evidence.total_minutes)} of {'' if evidence.captured_minutes else 'logged '}selling time."
    )
    if evidence.paused and name:
        fair = (
            "Those hours are no longer a question to weigh: they can go to the deals that will fill next period. "
            "An hour of prospecting this week is a good start."
        )
    elif "top_deal" in evidence.reasons and name:
        fair = (
            f"*{name}* has had most of it. It may well deserve every hour; big deals often do. "
            "Just worth a moment to check the rest of your pipeline is getting enough too."
        )
    else:
        fair = (
            "Your deals have had your time, and they may well need it. "
            "It has been a while since a new opportunity went in, though, and prospecting is a small slice."
        )
    value = button_value(d=for_date.isoformat(), o=evidence.top_deal_id)
    detach = detach_lines(evidence)
    blocks = [
        section(lead),
        section(evidence_text(evidence)),
        context(pipeline_text(evidence)),
        *([section("\n".join(detach))] if detach else []),
        section(fair),
        section(f":thought_balloon: *One question to sit with:* {escape(question)}"),
        actions(
            [
                button("Plan a prospecting block", PLAN_BLOCK, value, style="primary"),
                button("Snooze a week", SNOOZE_WEEK, value),
                button("I'm choosing to focus", CHOOSE_FOCUS, value),
            ],
            "coach_nudge",
        ),
        context("You set how I coach you: `/opportunity coach`. Your answers stay private to you."),
    ]
    return f"A quick look at your last {evidence.window_days} days of selling time.", blocks


# ---- reflections and follow-ups ----------------------------------------------


def reflection_message(
    question_id: str, question: str, for_date: date, recalled: tuple[str | None, str | None] | None = None
) -> tuple[str, list[dict]]:
    """The weekly question; `recalled` is (question, answer) of a lesson the rep kept, quoted before it."""
    lead = ""
    if recalled is not None and recalled[1]:
        said = "\n".join("> " + line for line in escape(clip(recalled[1], 300)).splitlines())
        lead = f"You kept a lesson lately (_{escape(recalled[0] or '')}_):\n{said}\n"
    blocks = [
        section(
            f":thought_balloon: *Your weekly reflection*\n{lead}{escape(question)}",
            button("Answer", ANSWER_REFLECTION, button_value(q=question_id, d=for_date.isoformat()), style="primary"),
        ),
        context("A few honest lines is plenty. Only you see your answers: `/opportunity reflections`."),
    ]
    return "Your weekly reflection: " + question, blocks


def followup_message(block_id: int, planned_day: date, minutes: int, today: date) -> tuple[str, list[dict]]:
    when = day_label(planned_day, today)
    value = button_value(a=block_id)
    text = f"You planned {duration(minutes)} of prospecting on {when}. Did it happen?"
    blocks = [
        section(f":seedling: {text}"),
        actions(
            [
                button("Yes, it happened", BLOCK_DONE, value, style="primary"),
                button("Not this time", BLOCK_MISSED, value),
            ],
            "coach_followup",
        ),
    ]
    return text, blocks


def followup_thanks(done: bool) -> dict:
    if done:
        text = ":tada: Nice work. Every prospecting hour is next quarter's pipeline. Noted."
    else:
        text = "Thanks for being straight about it. Noted. Plenty of weeks ahead to find an hour."
    return told(text, replace_original=True)


# ---- confirmations ------------------------------------------------------------


def snoozed_reply(until: date, today: date) -> dict:
    text = f":zzz: Snoozed until {day_label(until, today)}. No nudges or reflections until then."
    return reply(text, [section(text), context("Back sooner: `/opportunity coach on`.")])


def block_planned_reply(day: date, minutes: int, today: date, followup_day: date) -> dict:
    text = (
        f":calendar: {duration(minutes)} of prospecting on {day_label(day, today)}. Good call. "
        f"I'll ask how it went on {day_label(followup_day, today)}."
    )
    return reply(text, [section(text)])


def focus_reply() -> dict:
    text = ":ok_hand: Noted. Focus is a fair choice when a deal earns it. I'll leave you to it for a while."
    return reply(text, [section(text)])


def reflection_answered(question: str, answer: str) -> dict:
    """The reflection once answered, in place of the original: the question and the rep's own words, and
    no button (it is done). Slack apps update the message (chat.update) rather than add one."""
    text = f"Your weekly reflection: {question}"
    blocks = [
        section(f":thought_balloon: *Your weekly reflection*\n{escape(question)}"),
        section(clip(">" + escape(answer).replace("\n", "\n>"), 3000)),
        context(":pencil: Answered, kept privately. `/opportunity reflections` shows your answers."),
    ]
    return {"text": text, "blocks": blocks, "replace_original": True}


def reflection_thanks() -> dict:
    text = ":pencil: Thanks, kept privately. `/opportunity reflections` shows your answers."
    return reply(text, [section(text)])


# ---- modals ------------------------------------------------------------------------


def plan_modal(initial_day: date, metadata: str, minutes: int | None = None) -> dict:
    """Pick a day and a length (`minutes` preselected when the offer named one, else an hour)."""
    lengths = [option(duration(length), str(length)) for length in BLOCK_LENGTHS]
    chosen = next((item for item in lengths if item["value"] == str(minutes)), lengths[2])
    return modal(
        PLAN_VIEW,
        "Plan prospecting",
        "Plan it",
        metadata,
        [
            section("Pick a day and a length. Protecting even an hour for new conversations adds up."),
            input_block("day", "Which day?", datepicker(initial_day.isoformat())),
            input_block("minutes", "How long?", static_select(lengths, chosen)),
        ],
    )


def focus_modal(metadata: str, today: date | None = None, deal: str | None = None) -> dict:
    """Why focus; and, when the nudge named a top deal, what stands in its way and a checkpoint (optional)."""
    blocks = [
        section("Focusing can be exactly right. Say why, in a line or two, and I'll leave you to it."),
        input_block(
            "why",
            "Why is this deal worth the focus now?",
            text_input("Final week of a signed-off…", MAX_ANSWER, multiline=True),
        ),
    ]
    if today is not None and deal is not None:
        blocks.append(context(f"If something stands between *{escape(clip(deal, 60))}* and a decision, name it:"))
        blocks += obstacle_fields(today, optional_kind=True)
    return modal(FOCUS_VIEW, "Choosing to focus", "Save", metadata, blocks)


def reflection_modal(question: str, metadata: str) -> dict:
    field = ("answer", "Your answer", "A few honest lines…", MAX_ANSWER)
    lead = f"*{escape(question)}*"
    return answer_modal(REFLECTION_VIEW, "Weekly reflection", "Save", metadata, lead, field, hint="Only you see this.")
