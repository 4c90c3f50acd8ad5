"""Walk-away signals in words, each with its evidence (bot/rules/walkaway.py finds them): one line in the
nudge, a short list in `/opportunity health` and on Home. Private to the rep; never shaming: facts and a
door left open."""

from __future__ import annotations

from datetime import date

from bot.messages.format import bullets, deal_name, percent, plural, short_day
from bot.messages.kit import context, section
from bot.rules.walkaway import LONG_IN_STAGE, PUSHED, TEAM, Signal
from bot.text import escape

SIGNALS_LISTED = 5


def _days(days: float) -> str:
    rounded = max(round(days), 1)
    return plural(rounded // 7, "week") if rounded >= 14 else plural(rounded, "day")


def signal_text(signal: Signal, today: date) -> str:
    """'*Acme renewal*'s close date has moved 3 times, from 15 Oct to 20 Jan.' and the like."""
    name = f"*{deal_name(signal.deal_name)}*"
    if signal.kind == PUSHED:
        moved = f"{name}'s close date has moved {plural(signal.pushes, 'time')}"
        if signal.first_close and signal.close:
            moved += f", from {short_day(signal.first_close, today)} to {short_day(signal.close, today)}"
        return f":calendar: {moved}."
    if signal.kind == LONG_IN_STAGE:
        whose = "the team's deals" if signal.usual_source == TEAM else "your deals"
        return (
            f":hourglass_flowing_sand: {name} has been in {escape(signal.stage)} for {_days(signal.days_in_stage)}; "
            f"{whose} usually spend about {_days(signal.usual_days)} there."
        )
    return (
        f":scales: {percent(signal.time_share)} of your time went to {name}, which is "
        f"{percent(signal.value_share)} of your weighted pipeline."
    )


def signal_blocks(signals: list[Signal], today: date) -> list[dict]:
    """The health report's and Home's list: each signal with its evidence, or nothing at all."""
    if not signals:
        return []
    lines = [signal_text(signal, today) for signal in signals[:SIGNALS_LISTED]]
    return [
        section("*Worth a second look:*\n" + bullets(lines, len(signals))),
        context(
            "Signals, not verdicts: a deal can deserve its hours. Naming its obstacle and a checkpoint "
            "(`/opportunity obstacle`) lets it take less of them meanwhile. Only you see this."
        ),
    ]
