"""Block Kit for the coach: the concentration nudge, weekly reflections, prospecting-block follow-ups,
the coaching settings card, the rep's answers, and the coach's modals. Plain data in, payloads out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.messages.format import clock, day_label, duration, format_work_days, percent, plural, text_bar
from bot.messages.kit import (
    actions,
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
)
from bot.parsing.coaching import BLOCK_LENGTHS, MAX_ANSWER, CoachChange
from bot.rules.periods import weekday_short
from bot.text import clip, escape

if TYPE_CHECKING:
    from bot.services.coach import CoachView

# Action ids (buttons) and callback ids (modals): the handlers register exactly these.
PLAN_BLOCK = "coach_plan_block"
SNOOZE_WEEK = "coach_snooze_week"
CHOOSE_FOCUS = "coach_choose_focus"
ANSWER_REFLECTION = "coach_answer_reflection"
BLOCK_DONE = "coach_block_done"
BLOCK_MISSED = "coach_block_missed"
PLAN_VIEW = "coach_plan_view"
FOCUS_VIEW = "coach_focus_view"
REFLECTION_VIEW = "coach_reflection_view"

CONFIRMATIONS = {
    "on": ":white_check_mark: Coaching is on. I'll keep an eye on where your time goes.",
    "off": "Coaching is off. No nudges or reflections until you turn it on.",
    "snooze_off": "Snooze ended. Welcome back!",
    "snoozed": ":zzz: Snoozed for {days} days. Enjoy the break.",
    "hours": "Working hours saved.",
    "hours_default": "Working hours are back to the team's.",
    "days": "Working days saved.",
    "days_default": "Working days are back to the team's.",
    "reflections": "Reflection time saved.",
    "reflections_default": "Reflections are back to the team's time.",
}


# ---- the nudge ---------------------------------------------------------------


@dataclass(frozen=True)
class NudgeEvidence:
    """Where the rep's time went over the window, and what their pipeline looks like."""

    window_days: int
    total_minutes: int
    top_deal_name: str | None
    top_deal_minutes: int
    prospecting_minutes: int
    open_deals: int
    days_since_opened: int | None
    reasons: tuple[str, ...]


def _bar_line(label: str, minutes: int, total: int) -> str:
    share = minutes / total if total else 0.0
    return f"`{text_bar(share)}` {percent(share)} {label} · {duration(minutes)}"


def evidence_text(evidence: NudgeEvidence) -> str:
    total = evidence.total_minutes
    other = max(total - evidence.top_deal_minutes - evidence.prospecting_minutes, 0)
    lines = []
    if evidence.top_deal_name is not None:
        lines.append(_bar_line(f"*{escape(clip(evidence.top_deal_name, 60))}*", evidence.top_deal_minutes, total))
    if other:
        lines.append(_bar_line("Other deals", other, total))
    lines.append(_bar_line("Prospecting", evidence.prospecting_minutes, total))
    return "\n".join(lines)


def pipeline_text(evidence: NudgeEvidence) -> str:
    deals = plural(evidence.open_deals, "open opportunity", "open opportunities")
    days = evidence.days_since_opened
    if days is None:
        opened = "none opened yet"
    elif days == 0:
        opened = "the last one opened today"
    else:
        opened = f"the last one opened {plural(days, 'day')} ago"
    return f"Your pipeline: {deals}, {opened}."


def nudge_message(evidence: NudgeEvidence, question: str, for_date: date) -> tuple[str, list[dict]]:
    """The concentration nudge: the evidence, a fair word for the deal, one question, three ways to answer."""
    name = escape(clip(evidence.top_deal_name or "", 60))
    lead = (
        f":compass: A quick look at your last {evidence.window_days} days: "
        f"{duration(evidence.total_minutes)} of logged selling time."
    )
    if "top_deal" in evidence.reasons and name:
        fair = (
            f"*{name}* has had most of it. It may well deserve every hour; big deals often do. "
            "Just worth a moment to check the rest of your pipeline is getting enough too."
        )
    else:
        fair = (
            "Your deals have had your time, and they may well need it. "
            "It has been a while since a new opportunity went in, though, and prospecting is a small slice."
        )
    value = button_value(d=for_date.isoformat())
    blocks = [
        section(lead),
        section(evidence_text(evidence)),
        context(pipeline_text(evidence)),
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


def reflection_message(question_id: str, question: str, for_date: date) -> tuple[str, list[dict]]:
    blocks = [
        section(
            f":thought_balloon: *Your weekly reflection*\n{escape(question)}",
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
    return {"text": text, "blocks": [section(text)], "replace_original": True}


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


def reflection_thanks() -> dict:
    text = ":pencil: Thanks, kept privately. `/opportunity reflections` shows your answers."
    return reply(text, [section(text)])


# ---- the settings card ------------------------------------------------------------


def confirmation(change: CoachChange) -> str | None:
    """The line confirming what `/opportunity coach …` changed; None when it only showed the settings."""
    if change.said is None:
        return None
    return CONFIRMATIONS[change.said].format(days=change.snooze.days if change.snooze else 0)


def coach_card(view: CoachView, lead: str | None = None) -> dict:
    """The rep's coaching settings, with what they just changed (`lead`) on top."""
    found, today = view.profile, view.local_today
    if not found.state.enabled:
        status = "*off*. I won't nudge you or send reflections. `/opportunity coach on` turns it back on."
    elif view.snoozed_until is not None:
        status = f"*snoozed* until {day_label(view.snoozed_until.date(), today)} (vacation mode)."
    else:
        status = "*on*."
    zone = escape(view.tz) if view.tz else "your Slack time zone (I'll read it the first time I need it)"
    hours_note = "" if found.custom_hours or found.custom_days else " (team default)"
    slot_note = "" if found.custom_reflection else " (team default)"
    lines = [
        f"Coaching is {status}",
        f"Working time: {clock(found.hours.start)}–{clock(found.hours.end)}, "
        f"{format_work_days(found.hours.days)}{hours_note}. "
        f"I only message you then, in {zone}.",
        f"Weekly reflection: {weekday_short(found.reflection_weekday)} {clock(found.reflection_time)}{slot_note}.",
        f"Nudges about where your time goes: at most once every {plural(view.cooldown_days, 'day')}.",
    ]
    if view.undeliverable:
        lines.append(":warning: My last message to you didn't get through. `/opportunity coach on` resets that.")
    blocks = []
    if lead:
        blocks.append(section(lead))
    blocks += [
        section("*Your coaching settings*\n" + "\n".join(f"• {line}" for line in lines)),
        context(
            "Change them: `/opportunity coach off` · `on` · `snooze 2w` · `hours 08:00-16:00` · "
            "`days mon-thu` · `reflections fri 15:00` (`default` resets hours, days or reflections)."
        ),
    ]
    return reply(lead or "Your coaching settings.", blocks)


# ---- the rep's answers ------------------------------------------------------------


@dataclass(frozen=True)
class AnswerLine:
    kind: str
    created: date
    question: str | None
    answer: str | None
    planned_day: date | None
    planned_minutes: int | None


def answers_reply(answers: Sequence[AnswerLine], today: date) -> dict:
    if not answers:
        text = (
            "Nothing here yet. Your weekly reflection arrives by DM; what you answer shows up here, for your eyes only."
        )
        return reply(text, [section(text)])
    blocks = [section("*Your recent answers* (only you can see these)")]
    for item in answers:
        blocks.append(section(_answer_text(item, today)))
    return reply("Your recent answers.", blocks)


def _quote(text: str | None) -> str:
    body = escape(clip(text or "", 600)) or "_(no answer)_"
    return "\n".join("> " + line for line in body.splitlines() or [""])


def _answer_text(item: AnswerLine, today: date) -> str:
    when = f"*{day_label(item.created, today)}*"
    if item.kind == "reflection":
        return f"{when} · _{escape(item.question or '')}_\n{_quote(item.answer)}"
    if item.kind == "focus_reason":
        return f"{when} · Why you chose to focus\n{_quote(item.answer)}"
    if item.kind == "prospecting_block" and item.planned_day and item.planned_minutes:
        return (
            f"{when} · Planned {duration(item.planned_minutes)} of prospecting on {day_label(item.planned_day, today)}"
        )
    if item.kind == "block_followup":
        verdict = "it happened :tada:" if item.answer == "done" else "it didn't happen this time"
        planned = f" on {day_label(item.planned_day, today)}" if item.planned_day else ""
        return f"{when} · Prospecting block{planned}: {verdict}"
    if item.kind == "snooze":
        return f"{when} · Snoozed the coach for a week"
    return f"{when} · {escape(item.kind)}"


# ---- modals ------------------------------------------------------------------------


def plan_modal(initial_day: date, metadata: str) -> dict:
    lengths = [option(duration(minutes), str(minutes)) for minutes in BLOCK_LENGTHS]
    return modal(
        PLAN_VIEW,
        "Plan prospecting",
        "Plan it",
        metadata,
        [
            section("Pick a day and a length. Protecting even an hour for new conversations adds up."),
            input_block("day", "Which day?", datepicker(initial_day.isoformat())),
            input_block("minutes", "How long?", static_select(lengths, lengths[2])),
        ],
    )


def focus_modal(metadata: str) -> dict:
    return modal(
        FOCUS_VIEW,
        "Choosing to focus",
        "Save",
        metadata,
        [
            section("Focusing can be exactly right. Say why, in a line or two, and I'll leave you to it."),
            input_block(
                "why",
                "Why is this deal worth the focus now?",
                text_input("Final week of a signed-off…", MAX_ANSWER, multiline=True),
            ),
        ],
    )


def reflection_modal(question: str, metadata: str) -> dict:
    return modal(
        REFLECTION_VIEW,
        "Weekly reflection",
        "Save",
        metadata,
        [
            section(f"*{escape(question)}*"),
            input_block(
                "answer",
                "Your answer",
                text_input("A few honest lines…", MAX_ANSWER, multiline=True),
                hint="Only you see this.",
            ),
        ],
    )
