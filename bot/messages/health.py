"""Block Kit for selling time: confirmations of what was logged, the quota, the modals, the health report.

Built from the kit in bot/messages/__init__.py; every name a rep typed is escaped and clipped here.
"""

from __future__ import annotations

import math
from datetime import date

from bot.coaching import text_bar
from bot.health import HealthReport
from bot.messages import _input, _text_input, context, option, plain, problem, reply, section
from bot.parsing import PROSPECTING_KINDS
from bot.text import age, clip, day_label, escape, money, plural
from storage.activities import DEAL, ActivityView
from storage.opportunities import OpportunityView

PROSPECT_VIEW = "prospect_log"
LOG_TIME_VIEW = "opportunity_log_time"
NAME_LIMIT = 60

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


# ---- small formatters ---------------------------------------------------------


def duration(minutes: int) -> str:
    """90 -> '1h 30m', 120 -> '2h', 40 -> '40m'."""
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def touches(kind: str, count: int) -> str:
    """'25 calls', '1 meeting', '3 social touches'."""
    return plural(count, _ONE.get(kind, kind), _MANY.get(kind, kind))


def when(day: date, today: date) -> str:
    """'today (Mon 23 Nov)', 'yesterday (Sun 22 Nov)', or 'Thu 19 Nov'."""
    label = day_label(day, today)
    if day == today:
        return f"today ({label})"
    if (today - day).days == 1:
        return f"yesterday ({label})"
    return label


def name(text: str | None) -> str:
    return escape(clip(" ".join((text or "").split()), NAME_LIMIT))


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def one_decimal(value: float) -> str:
    """Halves round up, as people expect: 0.25 -> 0.3."""
    return f"{math.floor(value * 10 + 0.5) / 10:.1f}"


def times(value: float) -> str:
    """A multiplier such as 2.5×; whole numbers without decimals (3×)."""
    return f"{value:.0f}×" if float(value).is_integer() else f"{one_decimal(value)}×"


# ---- confirmations --------------------------------------------------------------


def entry_summary(entry: ActivityView, today: date) -> str:
    """What was stored, in one phrase: '2h of prospecting: 25 calls, yesterday (Sun 22 Nov)'."""
    day = when(entry.occurred_on, today)
    if entry.kind == DEAL:
        return f"{duration(entry.minutes)} on *{name(entry.opportunity_name)}*, {day}"
    what = touches(entry.kind, entry.touches) if entry.touches else _ONE_WORD.get(entry.kind, entry.kind)
    if entry.minutes:
        return f"{duration(entry.minutes)} of prospecting: {what}, {day}"
    return f"prospecting: {what}, {day}"


_ONE_WORD = {kind: kind for kind in PROSPECTING_KINDS} | {"meetings": "meetings", "other": "other prospecting"}


def logged_reply(entry: ActivityView, today: date, undo: str) -> dict:
    text = f"Logged {entry_summary(entry, today)}."
    blocks = [section(f":white_check_mark: {text}")]
    if entry.note:
        blocks.append(context("Note: " + escape(entry.note)))
    blocks.append(context(f"Made a mistake? `{undo}` removes it within 10 minutes."))
    return reply(text, blocks)


def undone_reply(entry: ActivityView | None, today: date) -> dict:
    if entry is None:
        return problem("There's nothing recent to undo: only an entry made in the last 10 minutes can be removed.")
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


# ---- modals ---------------------------------------------------------------------


def _day_picker(today: date) -> dict:
    return {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()}


def _note_input() -> dict:
    return _input(
        "note", "Note", _text_input("value", "Follow-ups to webinar leads", 300, multiline=True), optional=True
    )


def prospect_modal(metadata: str, today: date) -> dict:
    kinds = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(KIND_LABELS[kind], kind) for kind in PROSPECTING_KINDS],
        "initial_option": option(KIND_LABELS["calls"], "calls"),
    }
    return {
        "type": "modal",
        "callback_id": PROSPECT_VIEW,
        "private_metadata": clip(metadata, 3000),
        "title": plain("Log prospecting", 24),
        "submit": plain("Log it", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input("kind", "What kind", kinds),
            _input("count", "How many", _text_input("value", "25", 6), optional=True, hint="From 1 to 500"),
            _input(
                "duration",
                "How long",
                _text_input("value", "2h", 20),
                optional=True,
                hint="Like 90m, 1.5h or 1h30m. Add a count, a time, or both.",
            ),
            _input("day", "When", _day_picker(today)),
            _note_input(),
        ],
    }


def log_time_modal(opp: OpportunityView, metadata: str, today: date) -> dict:
    return {
        "type": "modal",
        "callback_id": LOG_TIME_VIEW,
        "private_metadata": clip(metadata, 3000),
        "title": plain("Log time", 24),
        "submit": plain("Log it", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"Time spent working *{name(opp.name)}*."),
            _input("duration", "How long", _text_input("value", "90m", 20), hint="Like 90m, 1.5h, 1h30m or 2 hours"),
            _input("day", "When", _day_picker(today)),
            _note_input(),
        ],
    }


# ---- the health report ------------------------------------------------------------


def _pipeline_lines(report: HealthReport, symbol: str) -> list[dict]:
    blocks = [
        section(
            f"*Open pipeline:* {plural(report.open_count, 'opportunity', 'opportunities')} worth "
            f"{money(report.open_value, symbol)}."
        )
    ]
    target = f"target {times(report.coverage_target)}"
    if report.win_rate_target is not None:
        target += f"; your own win rate over {report.closed_count} closed deals implies {times(report.win_rate_target)}"
    closing = f"by {day_label(report.period_end, report.today)}"
    if report.coverage is None:
        blocks.append(section(f"*Coverage:* set a quota to see it, like `/opportunity quota 250k` ({target})."))
    elif report.coverage_met:
        blocks.append(
            section(
                f"*Coverage:* quota met for this {report.period} :tada: "
                f"({money(report.won_in_period, symbol)} won of {money(report.quota, symbol)}). "
                "Everything now is upside."
            )
        )
    else:
        blocks.append(section(f"*Coverage: {times(report.coverage)}* ({target})."))
        blocks.append(
            context(
                f"{money(report.open_in_period, symbol)} of open deals expected to close {closing}, divided by "
                f"the {money(report.quota_left, symbol)} of quota still to win. Most deals don't close, so you "
                "need several times what's left."
            )
        )
    return blocks


def _creation_lines(report: HealthReport) -> list[dict]:
    streak = f"{report.streak_weeks}+" if report.streak_capped else str(report.streak_weeks)
    weeks = "week" if report.streak_weeks == 1 else "weeks"
    return [
        section(
            f"*Opened this week:* {report.opened_this_week} "
            f"(your average over the last 4 weeks: {one_decimal(report.average_opened)}). "
            f"*Streak:* {streak} {weeks} in a row with at least one new opportunity."
        ),
        context("Every deal you'll win starts as a new opportunity: a steady weekly habit keeps the pipeline full."),
    ]


def _prospecting_lines(report: HealthReport) -> list[dict]:
    if not report.prospecting:
        return [section("*Prospecting this week:* nothing logged yet. Try `/prospect 25 calls 2h`.")]
    parts = [touches(item.kind, item.touches) for item in report.prospecting if item.touches]
    untimed = [KIND_LABELS[item.kind].lower() for item in report.prospecting if not item.touches]
    summary = " · ".join(parts + untimed)
    return [section(f"*Prospecting this week:* {summary}, {duration(report.prospecting_minutes)} in all.")]


def _time_lines(report: HealthReport) -> list[dict]:
    heading = f"*Where your time went (last {report.window_days} days, {duration(report.total_minutes)} logged):*"
    if not report.total_minutes:
        return [
            section(
                f"{heading} nothing logged yet. Log deal work with `/opportunity log acme 90m` "
                "and prospecting with `/prospect`."
            )
        ]
    lines = [
        f"`{text_bar(row.share)}` {percent(row.share)} {name(row.label)}"
        + ("" if row.opportunity_id is not None else " :mag:")
        for row in report.time_rows
    ]
    if report.other_count:
        lines.append(
            f"`{text_bar(report.other_share)}` {percent(report.other_share)} "
            f"{plural(report.other_count, 'other deal')} ({duration(report.other_minutes)})"
        )
    return [section(heading + "\n" + "\n".join(lines))]


def _concentration_lines(report: HealthReport, symbol: str) -> list[dict]:
    blocks = []
    if report.top_deal is None:
        time_text = "*Time concentration:* no deal work logged in the window."
    else:
        time_text = (
            f"*Time concentration:* {percent(report.top_deal_share)} of your selling time went to "
            f"*{name(report.top_deal)}*; you worked the equivalent of {report.effective_deals:.1f} "
            "equal-sized deals."
        )
    blocks.append(section(time_text))
    blocks.append(
        context(
            "Equivalent deals = 1 ÷ the sum of each deal's squared share of deal time: five deals worked "
            "evenly count as 5, one deal taking nearly all the time counts as about 1."
        )
    )
    verdicts = {
        "warning": ":warning: above 30%, so one slip would hurt your number",
        "watch": "worth watching: healthy is 15% or less",
        "healthy": ":white_check_mark: healthy, at 15% or less",
    }
    if report.value_verdict == "none":
        value_text = "*Value concentration:* no open pipeline with amounts yet."
    else:
        value_text = (
            f"*Value concentration:* your largest open deal ({money(report.largest_open, symbol)}) is "
            f"{percent(report.largest_share)} of your open pipeline: {verdicts[report.value_verdict]}."
        )
    blocks.append(section(value_text))
    return blocks


def _stalled_lines(report: HealthReport, symbol: str, now) -> list[dict]:
    if not report.stalled_count:
        days = report.stalled_days
        return [section(f"*Stalled deals:* none. Every open deal moved or got work in the last {days} days.")]
    lines = [
        f"• `#{deal.id}` {name(deal.name)}"
        + (f" · {money(deal.amount, symbol)}" if deal.amount is not None else "")
        + f" · last change {age(deal.last_change_at, now)}"
        for deal in report.stalled
    ]
    more = report.stalled_count - len(report.stalled)
    if more > 0:
        lines.append(f"…and {more} more.")
    return [
        section(
            f"*Stalled deals ({report.stalled_count}):* no logged work and no stage change for "
            f"{report.stalled_days}+ days.\n" + "\n".join(lines)
        ),
        context("Give each a next step, log the work you did, or close it as lost so your pipeline stays honest."),
    ]


def health_reply(report: HealthReport, symbol: str, now) -> dict:
    """The whole report: about 15 blocks, each list capped, well inside Block Kit's limits."""
    blocks = [{"type": "header", "text": plain("Your pipeline health", 150)}]
    blocks += _pipeline_lines(report, symbol)
    blocks.append({"type": "divider"})
    blocks += _creation_lines(report)
    blocks += _prospecting_lines(report)
    blocks.append({"type": "divider"})
    blocks += _time_lines(report)
    blocks += _concentration_lines(report, symbol)
    blocks.append({"type": "divider"})
    blocks += _stalled_lines(report, symbol, now)
    text = (
        f"Your pipeline: {plural(report.open_count, 'open opportunity', 'open opportunities')} worth "
        f"{money(report.open_value, symbol)}."
    )
    return reply(text, blocks)
