"""Block Kit for selling time: confirmations of what was logged or undone, the quota, and the forms for
prospecting and deal time. Every name a rep typed is escaped and clipped here."""

from __future__ import annotations

from datetime import date

from bot.messages.format import deal_name, duration, money, plural, when
from bot.messages.kit import (
    context,
    datepicker,
    input_block,
    modal,
    option,
    problem,
    reply,
    section,
    static_select,
    text_input,
)
from bot.parsing.values import PROSPECTING_KINDS
from bot.rules.capture import Overlap
from bot.rules.entries import UNDO_WINDOW
from bot.text import clip, escape
from storage.records import DEAL, ActivityView, OpportunityView

PROSPECT_VIEW = "prospect_log"
LOG_TIME_VIEW = "opportunity_log_time"
PROSPECT_UNDO = "/prospect undo"
OPPORTUNITY_UNDO = "/opportunity undo"
UNDO_MINUTES = int(UNDO_WINDOW.total_seconds() // 60)

_ONE = {
    "calls": "call",
    "emails": "email",
    "meetings": "meeting",
    "social": "social touch",
    "referrals": "referral",
    "events": "event",
    "other": "other touch",
}
_MANY = {"social": "social touches", "other": "other touches"}
KIND_LABELS = {
    "calls": "Calls",
    "emails": "Emails",
    "meetings": "Meetings booked",
    "social": "Social (LinkedIn, DMs)",
    "referrals": "Referrals and intros",
    "events": "Events and webinars",
    "other": "Other",
}


def touches(kind: str, count: int) -> str:
    """'25 calls', '1 meeting', '3 social touches'."""
    return plural(count, _ONE.get(kind, kind), _MANY.get(kind, kind))


# ---- confirmations --------------------------------------------------------------


def entry_summary(entry: ActivityView, today: date) -> str:
    """What was stored, in one phrase: '2h of prospecting: 25 calls, yesterday (Sun 22 Nov)'."""
    day = when(entry.occurred_on, today)
    if entry.kind == DEAL:
        return f"{duration(entry.minutes)} on *{deal_name(entry.opportunity_name)}*, {day}"
    what = touches(entry.kind, entry.touches) if entry.touches else _ONE_WORD.get(entry.kind, entry.kind)
    if entry.minutes:
        return f"{duration(entry.minutes)} of prospecting: {what}, {day}"
    return f"prospecting: {what}, {day}"


_ONE_WORD = {kind: kind for kind in PROSPECTING_KINDS} | {"meetings": "meetings", "other": "other prospecting"}


def logged_reply(entry: ActivityView, today: date, undo: str, overlap: Overlap | None = None) -> dict:
    text = f"Logged {entry_summary(entry, today)}."
    if overlap is not None:
        text += " " + overlap_note(entry, overlap)
    blocks = [section(f":white_check_mark: {text}")]
    if entry.note:
        blocks.append(context("Note: " + escape(entry.note)))
    blocks.append(context(f"Made a mistake? `{undo}` removes it within {UNDO_MINUTES} minutes."))
    return reply(text, blocks)


def overlap_note(entry: ActivityView, overlap: Overlap) -> str:
    """Why a hand log added less than it says (bot/rules/capture.py: an hour is never counted twice)."""
    name = escape(clip(entry.opportunity_name or "deal", 60))
    added = f"I added {duration(overlap.added_minutes)}" if overlap.added_minutes else "it adds nothing new"
    meetings = duration(overlap.captured_minutes)
    return f"Your {meetings} of {name} meetings that day already count from your calendar; {added}."


def undone_reply(entry: ActivityView | None, today: date) -> dict:
    if entry is None:
        return problem(
            f"There's nothing recent to undo: only an entry made in the last {UNDO_MINUTES} minutes can be removed."
        )
    text = f"Removed {entry_summary(entry, today)}."
    return reply(text, [section(f":wastebasket: {text}")])


def period_phrase(period: str, start: date, end: date) -> str:
    """'this quarter (1 Oct – 31 Dec 2026)'."""
    first = f"{start.day} {start:%b}" + ("" if start.year == end.year else f" {start.year}")
    return f"this {period} ({first} – {end.day} {end:%b} {end.year})"


def quota_reply(amount: int | None, period: str, start: date, end: date, symbol: str, changed: bool) -> dict:
    phrase = period_phrase(period, start, end)
    if amount is None:
        text = f"You have no quota for {phrase} yet. Set one with `/opportunity quota 250k`."
    elif changed:
        text = f"Your quota for {phrase} is now {money(amount, symbol)}. `/opportunity health` shows your coverage."
    else:
        text = f"Your quota for {phrase} is {money(amount, symbol)}. Change it with `/opportunity quota 250k`."
    return reply(text, [section((":dart: " if amount else "") + text)])


# ---- forms ----------------------------------------------------------------------


def _note_input() -> dict:
    return input_block("note", "Note", text_input("Follow-ups to webinar leads", 300, multiline=True), optional=True)


def prospect_modal(metadata: str, today: date) -> dict:
    kinds = [option(KIND_LABELS[kind], kind) for kind in PROSPECTING_KINDS]
    return modal(
        PROSPECT_VIEW,
        "Log prospecting",
        "Log it",
        metadata,
        [
            input_block("kind", "What kind", static_select(kinds, option(KIND_LABELS["calls"], "calls"))),
            input_block("count", "How many", text_input("25", 6), optional=True, hint="From 1 to 500"),
            input_block(
                "duration",
                "How long",
                text_input("2h", 20),
                optional=True,
                hint="Like 90m, 1.5h or 1h30m. Add a count, a time, or both.",
            ),
            input_block("day", "When", datepicker(today.isoformat())),
            _note_input(),
        ],
    )


def log_time_modal(opp: OpportunityView, metadata: str, today: date) -> dict:
    return modal(
        LOG_TIME_VIEW,
        "Log time",
        "Log it",
        metadata,
        [
            section(f"Time spent working *{deal_name(opp.name)}*."),
            input_block("duration", "How long", text_input("90m", 20), hint="Like 90m, 1.5h, 1h30m or 2 hours"),
            input_block("day", "When", datepicker(today.isoformat())),
            _note_input(),
        ],
    )
