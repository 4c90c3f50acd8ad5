"""What the rep sees of their connected calendar: connect, status, disconnect, and the form."""

from __future__ import annotations

from datetime import datetime

from bot.messages.format import age, duration, plural
from bot.messages.kit import actions, button, context, input_block, modal, problem, reply, section, text_input
from bot.rules.capture import DEAL, NOT_SELLING, PROSPECTING, UNPLACED

CONNECT_VIEW = "calendar_connect"
FORGET_ACTION = "calendar_forget"
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
