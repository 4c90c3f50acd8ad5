"""Block Kit for the rep's own controls: the coaching settings card (`/opportunity coach`) and their
answers to the coach (`/opportunity reflections`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.messages.format import clock, day_label, duration, format_work_days, obstacle_name, plural
from bot.messages.kit import context, reply, section
from bot.parsing.coaching import CoachChange
from bot.rules.periods import weekday_short
from bot.rules.timing import Profile
from bot.text import clip, escape

if TYPE_CHECKING:
    from storage.answers import Answer


@dataclass(frozen=True)
class CoachView:
    """What the rep's coaching card shows."""

    profile: Profile
    tz: str | None
    snoozed_until: datetime | None
    undeliverable: bool
    cooldown_days: int
    local_today: date


KEPT_LINES = ("detach", "restart_signal", "lesson")  # a question and the rep's own words (storage/answers.py)
CHECKPOINT_ANSWERS = {"moved": "Moved.", "not_yet": "Not yet", "step_back": "Stepped back.", "lost": "Lost."}
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
    "holidays": "Public holidays saved: I'll stay quiet on them and ask what was due the next working morning.",
    "holidays_default": "Public holidays are back to the workspace's.",
}


# ---- the settings card ------------------------------------------------------------


def confirmation(change: CoachChange) -> str | None:
    """The line confirming what `/opportunity coach …` changed; None when it only showed the settings."""
    if change.said is None:
        return None
    return CONFIRMATIONS[change.said].format(days=change.snooze.days if change.snooze else 0)


def _holidays_line(found: Profile) -> str:
    if not found.hours.holidays:
        return "Public holidays: none kept (`/opportunity coach holidays GB` keeps a country's, e.g. US-CA)."
    whose = "" if found.custom_holidays else " (workspace default)"
    return f"Public holidays: {escape(found.hours.holidays)}{whose}. I stay quiet on them."


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
        _holidays_line(found),
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
            "`days mon-thu` · `reflections fri 15:00` · `holidays GB` (`default` resets hours, days, "
            "reflections or holidays)."
        ),
    ]
    return reply(lead or "Your coaching settings.", blocks)


# ---- the rep's answers ------------------------------------------------------------


def answers_reply(answers: Sequence[Answer], today: date) -> dict:
    """The rep's own answers, newest first (storage/answers.py); only they ever see these."""
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


def _answer_text(item: Answer, today: date) -> str:
    when = f"*{day_label(item.created_at.date(), today)}*"
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
    if item.kind == "obstacle":
        if item.question in (None, "none"):
            return f"{when} · Cleared an obstacle"
        checkpoint = f", checkpoint {day_label(item.planned_day, today)}" if item.planned_day else ""
        note = f"\n{_quote(item.answer)}" if item.answer else ""
        return f"{when} · Named an obstacle: {escape(obstacle_name(item.question))}{checkpoint}{note}"
    if item.kind == "checkpoint":
        said = CHECKPOINT_ANSWERS.get(item.answer or "", escape(item.answer or ""))
        if item.answer == "not_yet" and item.planned_day:
            said += f", new checkpoint {day_label(item.planned_day, today)}"
        return f"{when} · _{escape(item.question or 'Checkpoint')}_ {said}"
    if item.kind in KEPT_LINES:
        day = f" {day_label(item.planned_day, today)}" if item.planned_day else ""
        said = f"\n{_quote(item.answer)}" if item.answer else ""
        return f"{when} · _{escape(item.question or '')}_{day}{said}"
    return f"{when} · {escape(item.kind)}"
