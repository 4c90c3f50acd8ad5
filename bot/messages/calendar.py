"""What the rep sees of their connected calendar: connect, status, disconnect, and the form."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.messages.format import age, clock, day_label, duration, plural
from bot.messages.kit import actions, button, context, input_block, modal, problem, reply, section, text_input
from bot.rules.capture import DEAL, NOT_SELLING, PROSPECTING, UNPLACED
from bot.rules.periods import local_now
from bot.text import clip, escape

CONNECT_VIEW = "calendar_connect"
FORGET_ACTION = "calendar_forget"
PLACE_ACTION = "meeting_place"  # a question's buttons: meeting_place:0, meeting_place:1, …
ADDRESS_BLOCK = "address"

HOW_TO = (
    "Paste your calendar's *secret address*: in Google Calendar, Settings → your calendar → Integrate calendar → "
    "“Secret address in iCal format”; in Outlook, Settings → Calendar → Shared calendars → Publish a calendar → "
    "the ICS link. Any `webcal://` or `https://` calendar feed works."
)
NOT_SET_UP = (
    "Calendars can't be connected in this workspace yet: whoever runs Pipeline Coach needs to set it up first. "
    "Until then, `/opportunity log acme 90m` and `/prospect` still count your time."
)
FORM_FAILED = "I couldn't open the form just now. Try `/opportunity calendar connect` followed by the address."
READING = ":hourglass_flowing_sand: Reading your calendar…"
NOT_CONNECTED = (
    "No calendar is connected. `/opportunity calendar connect` and your calendar's secret address sets one up."
)
CALENDAR_USAGE = (
    "Try `/opportunity calendar` (what's connected), `/opportunity calendar connect ADDRESS`, "
    "or `/opportunity calendar disconnect` (add `--forget` to erase what it captured). "
    "Admins: `/opportunity calendar titles on|off`."
)


def _placed_line(by_placement: dict[str, int]) -> str:
    parts = [
        plural(by_placement.get(DEAL, 0), "on a deal", "on deals"),
        f"{by_placement.get(PROSPECTING, 0)} prospecting",
        f"{by_placement.get(UNPLACED, 0)} I'll ask you about",
        f"{by_placement.get(NOT_SELLING, 0)} internal",
    ]
    return " · ".join(parts)


def connected_reply(host: str, found: int, by_placement: dict[str, int], window_days: int) -> dict:
    text = f"Connected your calendar ({host}). I found {plural(found, 'meeting')} in the last {window_days} days."
    blocks = [section(f":white_check_mark: {text}")]
    if found:
        blocks.append(section(_placed_line(by_placement)))
    blocks.append(
        context(
            "I read it again every so often; moved and cancelled meetings follow. Only times, the deal and the "
            "attendees' company domains are kept. `/opportunity calendar disconnect` stops it."
        )
    )
    return reply(text, blocks)


def status_reply(status, now: datetime) -> dict:
    if status is None:
        return reply(NOT_CONNECTED, [section(NOT_CONNECTED), context(HOW_TO)])
    read = f"last read {age(status.last_success_at, now)}" if status.last_success_at else "not read yet"
    text = f"Your calendar ({status.host}) is connected, {read}."
    counted = {placement: count for placement, (count, _) in status.by_placement.items()}
    minutes = {placement: total for placement, (_, total) in status.by_placement.items()}
    lines = [
        f":calendar: {text}",
        f"Last {status.window_days} days: {plural(sum(counted.values()), 'meeting')} captured, "
        f"{duration(minutes.get(DEAL, 0) + minutes.get(PROSPECTING, 0))} of them selling time.",
        _placed_line(counted),
    ]
    if status.failing:
        lines.append(f":warning: The last read didn't work ({status.failing}); I'll keep trying.")
    blocks = [section("\n".join(lines)), actions([button("Disconnect and forget", FORGET_ACTION, "forget")])]
    return reply(text, blocks)


def disconnected_reply(was_connected: bool, erased: int, forget: bool) -> dict:
    if not was_connected and not erased:
        return reply(NOT_CONNECTED)
    text = "Disconnected: I no longer read your calendar and its address is gone."
    if forget:
        text += f" I also erased {plural(erased, 'captured meeting')}."
    else:
        text += " What it captured still counts; `/opportunity calendar disconnect --forget` erases it."
    return reply(text, [section(f":wave: {text}")])


def titles_reply(allowed: bool, keep: bool) -> dict:
    if not allowed:
        return problem("Only a workspace admin can choose whether meeting titles are kept.")
    if keep:
        return reply("Meeting titles are now kept with captured time, for everyone in this workspace.")
    return reply("Meeting titles are no longer kept: each is used to match its deal when read, then dropped.")


def reading_reply() -> dict:
    return reply(READING)


def failed_reply(reason: str) -> dict:
    return problem(f"I couldn't read that calendar: {reason}. Nothing was saved. Check the address and try again.")


def connect_modal(metadata: str) -> dict:
    field = text_input("webcal://… or https://…", 2000)
    return modal(
        CONNECT_VIEW,
        "Connect your calendar",
        "Connect",
        metadata,
        [section(HOW_TO), input_block(ADDRESS_BLOCK, "Secret address", field)],
    )


def failing_message(host: str) -> tuple[str, list[dict]]:
    text = (
        f"I haven't been able to read your calendar ({host}) for more than a day, so recent meetings may be "
        "missing from your selling time. If you reset its secret address, connect the new one with "
        "`/opportunity calendar connect`."
    )
    return text, [section(f":calendar: {text}")]


def question_message(meetings, deals: list[tuple[int, str]], tz: str | None, today: date) -> tuple[str, list[dict]]:
    """One DM for a few unplaced meetings with outside people: each with its likely deals, Prospecting
    and Not selling time. Times in the rep's zone; titles are not kept, so the people's domains name it."""
    count = plural(len(meetings), "meeting")
    text = f"I couldn't tell where {count} with people outside the company belong. One tap each?"
    blocks = [section(f":calendar: {text}")]
    for meeting in meetings:
        local = local_now(meeting.starts_at, tz)
        who = ", ".join((meeting.domains or "").split(",")[:3]) or "outside people"
        at = f"{day_label(local.date(), today)}, {clock(local.time())}"
        line = f"*{at}* · {duration(meeting.minutes)} with {escape(who)}"
        choices = [(clip(name, 40), DEAL, deal_id) for deal_id, name in deals]
        choices += [("Prospecting", PROSPECTING, None), ("Not selling time", NOT_SELLING, None)]
        buttons = [
            button(label, f"{PLACE_ACTION}:{index}", json.dumps({"m": meeting.id, "p": placement, "o": deal}))
            for index, (label, placement, deal) in enumerate(choices)
        ]
        blocks += [section(line), actions(buttons, f"meeting-{meeting.id}")]
    blocks.append(context("Your choice is remembered for later meetings with the same company."))
    return text, blocks


def placed_reply(domains: list[str] | None, placement: object, deal_name: str | None) -> dict:
    if domains is None:
        return problem("That question has expired. `/opportunity calendar` shows what your calendar captured.")
    where = {PROSPECTING: "prospecting", NOT_SELLING: "not selling time"}.get(placement) or escape(
        clip(deal_name or "that deal", 60)
    )
    later = f" Later meetings with {escape(', '.join(domains[:3]))} go there too." if domains else ""
    return reply(f"Got it: that meeting counts as {where}.{later}")
