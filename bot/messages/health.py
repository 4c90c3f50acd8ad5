"""Block Kit for the health report: `/opportunity health`, and the top of the Home tab."""

from __future__ import annotations

from datetime import datetime

from bot.messages.format import (
    age,
    bullets,
    day_label,
    deal_line,
    deal_name,
    duration,
    money,
    one_decimal,
    percent,
    plural,
    text_bar,
    times,
)
from bot.messages.kit import actions, button, context, divider, header, reply, section
from bot.messages.outlook import outlook_blocks
from bot.messages.selling_time import KIND_LABELS, touches
from bot.rules.health import HealthReport


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
    counted = "in all" if report.captured_minutes else "logged"
    heading = f"*Where your time went (last {report.window_days} days, {duration(report.total_minutes)} {counted}):*"
    if not report.total_minutes:
        return [
            section(
                f"{heading} nothing logged yet. Log deal work with `/opportunity log acme 90m` "
                "and prospecting with `/prospect`."
            )
        ]
    lines = [
        f"`{text_bar(row.share)}` {percent(row.share)} {deal_name(row.label)}"
        + ("" if row.opportunity_id is not None else " :mag:")
        for row in report.time_rows
    ]
    if report.other_count:
        lines.append(
            f"`{text_bar(report.other_share)}` {percent(report.other_share)} "
            f"{plural(report.other_count, 'other deal')} ({duration(report.other_minutes)})"
        )
    return [section(heading + "\n" + "\n".join(lines + _sources_lines(report)))]


def _sources_lines(report: HealthReport) -> list[str]:
    """Where the numbers come from, once a calendar (or CRM) has captured anything."""
    if not report.captured_minutes and not report.unplaced_meetings:
        return []
    line = (
        f"_{duration(report.captured_minutes)} captured from your meetings, "
        f"{duration(report.hand_logged_minutes)} logged by hand"
    )
    if report.unplaced_meetings:
        line += f"; {plural(report.unplaced_meetings, 'meeting')} ({duration(report.unplaced_minutes)}) not placed yet"
    return [line + "._"]


def _concentration_lines(report: HealthReport, symbol: str) -> list[dict]:
    blocks = []
    if report.top_deal is None:
        time_text = "*Time concentration:* no deal work logged in the window."
    else:
        time_text = (
            f"*Time concentration:* {percent(report.top_deal_share)} of your selling time went to "
            f"*{deal_name(report.top_deal)}*; you worked the equivalent of {report.effective_deals:.1f} "
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
        deal_line(
            f"`#{deal.id}` {deal_name(deal.name)}", deal.amount, symbol, f"last change {age(deal.last_change_at, now)}"
        )
        for deal in report.stalled
    ]
    return [
        section(
            f"*Stalled deals ({report.stalled_count}):* no logged work and no stage change for "
            f"{report.stalled_days}+ days.\n" + bullets(lines, report.stalled_count)
        ),
        context("Give each a next step, log the work you did, or close it as lost so your pipeline stays honest."),
    ]


SHOW_PICTURE = "health_picture"
PICTURE_REPLIES = {
    "shared": ":bar_chart: Your picture is in our DM: openings and wins per week over 12 weeks, and your time.",
    "already": "That picture is already in our DM.",
    "failed": "I couldn't share the picture just now. Try the button again in a minute.",
}


def picture_reply(outcome: str) -> dict:
    """What the rep hears after "Show as a picture" (bot/services/charts.py: send_health_picture)."""
    return reply(PICTURE_REPLIES[outcome], [section(PICTURE_REPLIES[outcome])])


def health_reply(report: HealthReport, symbol: str, now: datetime, outlook=None) -> dict:
    """The whole report: about 15 blocks (about 22 with the outlook), each list capped, inside Block Kit's limits;
    `now` in the team's zone (Services.team_now)."""
    blocks = [header("Your pipeline health")]
    blocks += _pipeline_lines(report, symbol)
    blocks.append(divider())
    blocks += _creation_lines(report)
    blocks += _prospecting_lines(report)
    blocks.append(divider())
    blocks += _time_lines(report)
    blocks += _concentration_lines(report, symbol)
    blocks.append(divider())
    blocks += _stalled_lines(report, symbol, now)
    if outlook is not None:  # the number, the opening pace and obstacles (bot/messages/outlook.py)
        blocks += outlook_blocks(outlook, symbol, now)
    blocks.append(actions([button("Show as a picture", SHOW_PICTURE)]))
    text = (
        f"Your pipeline: {plural(report.open_count, 'open opportunity', 'open opportunities')} worth "
        f"{money(report.open_value, symbol)}."
    )
    return reply(text, blocks)
