"""The nudge's evidence in words: where a rep's time went over the window (bars, and how much their
meetings logged), their pipeline in a line, and what stands on the top deal. bot/messages/coaching.py
builds the nudge around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.messages.format import duration, obstacle_name, percent, plural, standing, text_bar
from bot.messages.walkaway import signal_text
from bot.rules.walkaway import Signal
from bot.text import clip, escape


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
    # Detaching, not quitting (bot/jobs/nudges.py fills these from the top deal's obstacle and pause).
    top_deal_id: int | None = None
    obstacle_kind: str | None = None
    obstacle_days: int = 0
    paused: bool = False
    number_share: float | None = None
    number_deal: str | None = None
    period: str = "quarter"
    # Time that logs itself: how much of it came from the rep's meetings (calendar or CRM).
    captured_minutes: int = 0
    top_deal_captured_minutes: int = 0
    # A walk-away signal on the top deal (bot/rules/walkaway.py), with its evidence; the nudge asks about it.
    signal: Signal | None = None
    today: date | None = None


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
    return "\n".join(lines + source_lines(evidence))


def source_lines(evidence: NudgeEvidence) -> list[str]:
    """Where the numbers come from, once meetings were captured: "18h in meetings on Globex …"."""
    if not evidence.captured_minutes:
        return []
    span = "this fortnight" if evidence.window_days == 14 else f"in {evidence.window_days} days"
    if evidence.top_deal_captured_minutes and evidence.top_deal_name:
        name = escape(clip(evidence.top_deal_name, 60))
        line = f"{duration(evidence.top_deal_captured_minutes)} in meetings on {name} {span}, from your calendar"
    else:
        line = f"{duration(evidence.captured_minutes)} in meetings {span}, from your calendar"
    hand = evidence.total_minutes - evidence.captured_minutes
    return [f"_{line}" + (f"; {duration(hand)} logged by hand._" if hand > 0 else "._")]


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


def detach_lines(evidence: NudgeEvidence) -> list[str]:
    """What the rep said about the top deal (its obstacle, a step back) and whether the number rides on one deal."""
    lines = []
    name = f"*{escape(clip(evidence.top_deal_name or '', 60))}*"
    if evidence.top_deal_name and evidence.total_minutes:
        share = percent(evidence.top_deal_minutes / evidence.total_minutes)
        went = f"{share} of your time in {evidence.window_days} days went to {name}"
        if evidence.obstacle_kind:
            lines.append(
                f":construction: {went}, which has been waiting on {obstacle_name(evidence.obstacle_kind)} "
                f"{standing(evidence.obstacle_days)}."
            )
        if evidence.signal is not None and evidence.today is not None and not evidence.paused:
            lines.append(signal_text(evidence.signal, evidence.today))
        if evidence.paused:
            lines.append(
                f":pause_button: You stepped back from {name} at its checkpoint: it stays open and paused, "
                "so these hours can wind down."
            )
    if "number_rides" in evidence.reasons and evidence.number_deal and evidence.number_share is not None:
        deal = f"*{escape(clip(evidence.number_deal, 60))}*"
        share = "alone would cover" if evidence.number_share >= 1 else f"is {percent(evidence.number_share)} of"
        lines.append(
            f":dart: Your number rides on one deal: {deal} {share} the quota still to win this {evidence.period}."
        )
    return lines
