"""Block Kit for the coach: the concentration nudge, weekly reflections, prospecting-block follow-ups,
the coaching settings card, the rep's answers, and the coach's modals. Plain data in, payloads out."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.coaching import format_work_days, text_bar
from bot.messages import button, context, option, plain, reply, section
from bot.text import clip, day_label, escape, plural

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

BLOCK_LENGTHS = (30, 45, 60, 90, 120, 180)
MAX_ANSWER = 2000
ANSWERS_SHOWN = 10


def duration(minutes: int) -> str:
    """90 → "1 h 30 min", 45 → "45 min", 120 → "2 h"."""
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def clock(at: time) -> str:
    return f"{at:%H:%M}"


def _value(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"))


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
    percent = math.floor(share * 100 + 0.5)
    return f"`{text_bar(share)}` {percent}% {label} · {duration(minutes)}"


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
    value = _value(d=for_date.isoformat())
    blocks = [
        section(lead),
        section(evidence_text(evidence)),
        context(pipeline_text(evidence)),
        section(fair),
        section(f":thought_balloon: *One question to sit with:* {escape(question)}"),
        {
            "type": "actions",
            "block_id": "coach_nudge",
            "elements": [
                button("Plan a prospecting block", PLAN_BLOCK, value, style="primary"),
                button("Snooze a week", SNOOZE_WEEK, value),
                button("I'm choosing to focus", CHOOSE_FOCUS, value),
            ],
        },
        context("You set how I coach you: `/opportunity coach`. Your answers stay private to you."),
    ]
    return f"A quick look at your last {evidence.window_days} days of selling time.", blocks


# ---- reflections and follow-ups ----------------------------------------------


def reflection_message(question_id: str, question: str, for_date: date) -> tuple[str, list[dict]]:
    blocks = [
        section(
            f":thought_balloon: *Your weekly reflection*\n{escape(question)}",
            button("Answer", ANSWER_REFLECTION, _value(q=question_id, d=for_date.isoformat()), style="primary"),
        ),
        context("A few honest lines is plenty. Only you see your answers: `/opportunity reflections`."),
    ]
    return "Your weekly reflection: " + question, blocks


def followup_message(block_id: int, planned_day: date, minutes: int, today: date) -> tuple[str, list[dict]]:
    when = day_label(planned_day, today)
    value = _value(a=block_id)
    text = f"You planned {duration(minutes)} of prospecting on {when}. Did it happen?"
    blocks = [
        section(f":seedling: {text}"),
        {
            "type": "actions",
            "block_id": "coach_followup",
            "elements": [
                button("Yes, it happened", BLOCK_DONE, value, style="primary"),
                button("Not this time", BLOCK_MISSED, value),
            ],
        },
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


@dataclass(frozen=True)
class CoachCard:
    enabled: bool
    snoozed_until: datetime | None
    tz: str | None
    start: time
    end: time
    days: frozenset[int]
    reflection_weekday: int
    reflection_time: time
    cooldown_days: int
    undeliverable: bool
    custom_hours: bool
    custom_reflection: bool


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def coach_card(card: CoachCard, today: date, lead: str | None = None) -> dict:
    if not card.enabled:
        status = "*off*. I won't nudge you or send reflections. `/opportunity coach on` turns it back on."
    elif card.snoozed_until is not None:
        status = f"*snoozed* until {day_label(card.snoozed_until.date(), today)} (vacation mode)."
    else:
        status = "*on*."
    zone = escape(card.tz) if card.tz else "your Slack time zone (I'll read it the first time I need it)"
    hours_note = "" if card.custom_hours else " (team default)"
    slot_note = "" if card.custom_reflection else " (team default)"
    lines = [
        f"Coaching is {status}",
        f"Working time: {clock(card.start)}–{clock(card.end)}, {format_work_days(card.days)}{hours_note}. "
        f"I only message you then, in {zone}.",
        f"Weekly reflection: {_DAYS[card.reflection_weekday]} {clock(card.reflection_time)}{slot_note}.",
        f"Nudges about where your time goes: at most once every {plural(card.cooldown_days, 'day')}.",
    ]
    if card.undeliverable:
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
    for item in answers[:ANSWERS_SHOWN]:
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


def _input(block_id: str, label: str, element: dict, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": False}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text_area(placeholder: str, max_length: int) -> dict:
    return {
        "type": "plain_text_input",
        "action_id": "value",
        "placeholder": plain(placeholder, 150),
        "max_length": max_length,
        "multiline": True,
    }


def _modal(callback_id: str, title: str, submit: str, metadata: str, blocks: list[dict]) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": clip(metadata, 3000),
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def plan_modal(initial_day: date, metadata: str) -> dict:
    lengths = [option(duration(minutes), str(minutes)) for minutes in BLOCK_LENGTHS]
    return _modal(
        PLAN_VIEW,
        "Plan prospecting",
        "Plan it",
        metadata,
        [
            section("Pick a day and a length. Protecting even an hour for new conversations adds up."),
            _input(
                "day",
                "Which day?",
                {"type": "datepicker", "action_id": "value", "initial_date": initial_day.isoformat()},
            ),
            _input(
                "minutes",
                "How long?",
                {"type": "static_select", "action_id": "value", "options": lengths, "initial_option": lengths[2]},
            ),
        ],
    )


def focus_modal(metadata: str) -> dict:
    return _modal(
        FOCUS_VIEW,
        "Choosing to focus",
        "Save",
        metadata,
        [
            section("Focusing can be exactly right. Say why, in a line or two, and I'll leave you to it."),
            _input(
                "why", "Why is this deal worth the focus now?", _text_area("Final week of a signed-off…", MAX_ANSWER)
            ),
        ],
    )


def reflection_modal(question: str, metadata: str) -> dict:
    return _modal(
        REFLECTION_VIEW,
        "Weekly reflection",
        "Save",
        metadata,
        [
            section(f"*{escape(question)}*"),
            _input("answer", "Your answer", _text_area("A few honest lines…", MAX_ANSWER), hint="Only you see this."),
        ],
    )
