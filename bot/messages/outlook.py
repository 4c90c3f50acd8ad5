"""Block Kit for what lies ahead: the number-dependency, the opening pace next period needs with every
input on its own line, and the obstacles on a rep's deals (health and Home); and the leaders' creation
digest and the creation part of `/opportunity team`. Quiet reps are counted, never listed; the leader's
own DM credits who opened what."""

from __future__ import annotations

from datetime import date, datetime

from bot.messages.format import (
    about,
    bullets,
    day_label,
    day_of,
    deal_line,
    deal_name,
    money,
    obstacle_status,
    one_decimal,
    percent,
    person,
    plural,
    short_day,
)
from bot.messages.kit import context, divider, header, section
from bot.messages.walkaway import signal_blocks
from bot.rules.outlook import NO_QUOTA, TEAM, NumberDependency, OpeningPace
from bot.text import escape

OBSTACLES_LISTED = 10
NUMBER_QUESTION = (
    "Is the need to make your number what drives this pursuit? How would you judge the deal if it weren't?"
)


def number_blocks(number: NumberDependency | None, threshold: float, period: str, symbol: str) -> list[dict]:
    if number is None:
        return []
    deal = f"*{deal_name(number.deal_name)}* ({money(number.amount, symbol)})"
    left = f"{money(number.quota_left, symbol)} still to win this {period}"
    if number.share >= 1:
        facts = f"{deal} alone would cover the {left}"
    else:
        facts = f"{deal} is {percent(number.share)} of the {left}"
    if number.flagged:
        return [
            section(f":dart: *Your number rides on one deal:* {facts}."),
            context(f"Above {percent(threshold)} it is flagged. {NUMBER_QUESTION}"),
        ]
    return [section(f"*Your number and your largest deal:* {facts}; no single deal carries it.")]


def _per_week(value: float) -> str:
    return f"{one_decimal(value).removesuffix('.0')} a week"


def pace_lines(pace: OpeningPace, period: str, symbol: str, who: str = "you") -> list[str]:
    """Each input of the needed pace in one line; nothing is shown that was not measured."""
    whose = "the team's" if pace.source == TEAM or who != "you" else "yours"
    lines = []
    if pace.win_rate is not None:
        won = round(pace.win_rate * pace.closed)
        lines.append(f"Win rate {percent(pace.win_rate)} ({whose}: {won} won of {pace.closed} closed).")
    if pace.average_won is not None:
        lines.append(f"Average win {money(round(pace.average_won), symbol)} ({whose}).")
    if pace.average_days_to_win is not None and pace.open_from is not None:
        days = max(round(pace.average_days_to_win), 1)  # plausible wins only, so never "0 days"
        if pace.next_started:
            lines.append(
                f"About {plural(days, 'day')} from open to won, so next {period} is already being decided by "
                f"what is open today (its deals were due to open from {short_day(pace.open_from, pace.open_from)})."
            )
        else:
            lines.append(
                f"About {plural(days, 'day')} from open to won, so next {period}'s deals are opened from "
                f"{short_day(pace.open_from, pace.open_from)}."
            )
    if pace.implausible:
        lines.append(implausible_line(pace.implausible))
    if pace.quota:
        label = f"Next {period}'s quota" if pace.quota_is_next else f"This {period}'s quota (next {period}'s isn't set)"
        lines.append(f"{label}: {money(pace.quota, symbol)}.")
    lines.append(
        f"{'Openings' if who != 'you' else 'Your openings'}: {_per_week(pace.current_per_week)} over the last "
        f"{plural(pace.pace_weeks, 'week')}."
    )
    return lines


def implausible_line(count: int) -> str:
    """Wins logged less than a day after their opening: said so, and left out of every figure."""
    deals = plural(count, "win was", "wins were")
    return (
        f"Left out: {deals} logged less than a day after opening, which rarely reflects the real cycle "
        "(often a deal entered when it closed)."
    )


def gap_blocks(gap, period: str, symbol: str, today: date) -> list[dict]:
    """The real gap in openings: what this period and the next still need once the early pipeline is credited,
    with each input on a line, and a plain word when the usual cycle means a period is already decided."""
    if gap is None:
        return []
    parts, lines = [], []
    for label, found in ((f"this {period}", gap.this), (f"next {period}", gap.next)):
        if found is None:
            continue
        if found.decided:
            parts.append(f"{label} is already decided by what is open today")
            continue
        if found.still_needed < 0.5:
            parts.append(f"none more {label}, as things stand")
        else:
            parts.append(f"about {about(found.still_needed)} {label}")
        worth = about(found.pipeline_brings)
        brings = (
            f"; your {plural(found.early_deals, 'early-stage deal')} will likely bring about {worth} "
            + ("opening's worth" if worth == "1" else "openings' worth")
            if found.early_deals
            else ""
        )
        lines.append(
            f"{label[0].upper()}{label[1:]}: {money(found.quota_left, symbol)} to win needs about "
            f"{about(found.needed_openings)} openings{brings}."
        )
    if not parts:
        return []
    whose = "the team's" if gap.source == TEAM else "your"
    lines.append(
        f"At {whose} {percent(gap.win_rate)} win rate, {money(round(gap.average_won), symbol)} average win and "
        f"about {plural(max(gap.cycle_days, 1), 'day')} from open to won."
    )
    decided = [found for found in (gap.this, gap.next) if found is not None and found.decided]
    if decided:
        lines.append(
            f"A deal opened today would likely close after {short_day(decided[-1].end, today)}: "
            "what is open now carries that, and today's openings build the period after."
        )
    head = "; ".join(parts)
    return [section(f"*Openings still needed:* {head[0].upper()}{head[1:]}."), context("\n".join(lines))]


def pace_headline(pace: OpeningPace, period: str, who: str = "you") -> str:
    subject = "you open" if who == "you" else "the team opens"
    current = f"{subject} {_per_week(pace.current_per_week)}"
    if pace.needed_per_week is not None:
        needed = f"next {period}'s quota needs about {about(pace.needed_per_week)}"
        return f"{current[0].upper()}{current[1:]}; {needed}."
    if pace.missing == NO_QUOTA:
        return f"{current[0].upper()}{current[1:]}. Set a quota (`/opportunity quota 250k`) to see what it needs."
    return f"Not enough history yet to say what next {period} needs ({subject} {_per_week(pace.current_per_week)})."


def pace_blocks(pace: OpeningPace, period: str, symbol: str) -> list[dict]:
    blocks = [section(f"*New opportunities you need:* {pace_headline(pace, period)}")]
    lines = pace_lines(pace, period, symbol)
    if pace.source == TEAM:
        lines.append("Team figures until you have closed enough deals of your own.")
    blocks.append(context("\n".join(lines)))
    return blocks


def obstacle_blocks(obstacles, now: datetime) -> list[dict]:
    """The rep's named obstacles; `now` in the team's zone (Services.team_now)."""
    today = now.date()
    if not obstacles:
        return [
            section(
                "*Obstacles:* none named. When a deal waits on budget, politics or timing, name it and set a "
                'checkpoint: `/opportunity obstacle acme budget "no money until Q2" checkpoint:15 jan`.'
            )
        ]
    shown = list(obstacles)[:OBSTACLES_LISTED]
    lines = [
        f"• *{deal_name(item.opportunity_name)}*: "
        f"{obstacle_status(item.kind, day_of(item.named_at, now), item.checkpoint, today, item.paused)}"
        for item in shown
    ]
    return [section("*Obstacles:*\n" + bullets(lines, len(obstacles)))]


def outlook_blocks(outlook, symbol: str, now: datetime) -> list[dict]:
    """The outlook part of the health report and Home (bot/services/outlook.py: RepOutlook); `now` in the
    team's zone."""
    today = now.date()
    blocks = [divider()]
    blocks += number_blocks(outlook.number, outlook.threshold, outlook.period, symbol)
    blocks += pace_blocks(outlook.pace, outlook.period, symbol)
    blocks += gap_blocks(outlook.gap, outlook.period, symbol, today)
    blocks += signal_blocks(list(outlook.signals), today)
    blocks += obstacle_blocks(outlook.obstacles, now)
    return blocks


# ---- the leaders -------------------------------------------------------------------


QUIET_QUESTION = "What would make an hour of prospecting easy to protect this week?"
OPENERS_NAMED = 6  # the leader's DM names this many openers, then counts the rest
NONE_OPENED_SUGGESTION = (
    "book one 45-minute prospecting hour with the whole team this week, each person opening one account "
    "they have been meaning to call."
)


def openers_line(opened_by: tuple[tuple[str, int], ...], named: int = OPENERS_NAMED) -> str:
    """'<@U1> opened 3, <@U2> 2, and 12 others opened 15.': the most first, bounded for a large team."""
    shown = [f"{person(escape(user))} {count}" for user, count in opened_by[:named]]
    shown[0] = shown[0].replace(" ", " opened ", 1)
    rest = opened_by[named:]
    if rest:
        others = sum(count for _, count in rest)
        shown.append(f"and {plural(len(rest), 'other')} opened {others}")
    return ", ".join(shown) + "."


def _creation_headline(creation) -> str:
    if not creation.opened_last_week:
        return (
            f"*Creation:* no new opportunities last week across {plural(creation.reps, 'rep')}. "
            f"One thing to try: {NONE_OPENED_SUGGESTION} "
        )
    return (
        f"*Creation:* {plural(creation.opened_last_week, 'new opportunity', 'new opportunities')} opened last "
        f"week, by {creation.openers_last_week} of {plural(creation.reps, 'rep')}. "
    )


def creation_blocks(creation, symbol: str, today: date, list_deals: bool = True) -> list[dict]:
    """Creation, not capture: openings against the pace next period needs, counts, early-stage deals.

    The team view (list_deals False) counts the early-stage deals; the manager's own DM names them and
    credits who opened what.
    """
    period = creation.period
    blocks = [section(_creation_headline(creation) + pace_headline(creation.pace, period, who="team"))]
    if list_deals and creation.opened_by:
        blocks.append(section(f"*Who opened them:* {openers_line(creation.opened_by)} Worth a word of thanks."))
    blocks.append(context("\n".join(pace_lines(creation.pace, period, symbol, who="team"))))
    if creation.quiet:
        blocks.append(
            section(
                f"*Prospecting:* {plural(creation.quiet, 'rep has', 'reps have')} logged none in "
                f"{creation.quiet_days} days. A question to bring to your one-to-ones: _{QUIET_QUESTION}_"
            )
        )
    else:
        blocks.append(section(f"*Prospecting:* everyone logged some in the last {creation.quiet_days} days."))
    stages = ", ".join(escape(stage) for stage in creation.early_stages)
    if creation.early_total and not list_deals:
        blocks.append(
            section(
                f"*Early-stage deals:* {creation.early_total} in {stages}. Deals are made or lost here: "
                "the weekly digest in your DM names the largest."
            )
        )
    elif creation.early_total:
        lines = [
            deal_line(f"{deal_name(opp.name)} · {escape(opp.stage)}", opp.amount, symbol, f"<@{opp.owner_id}>")
            for opp in creation.early
        ]
        blocks.append(
            section(
                f"*Early-stage deals worth your attention* ({creation.early_total} in {stages}):\n"
                + bullets(lines, creation.early_total)
            )
        )
        blocks.append(context("Deals are made or lost here: a question from you now counts more than at the close."))
    else:
        blocks.append(section(f"*Early-stage deals:* none in {stages} right now. That is where next {period} starts."))
    return blocks


def leader_digest(creation, symbol: str, today: date, now: datetime) -> tuple[str, list[dict]]:
    blocks = [header(":seedling: Creation on your team")]
    blocks += creation_blocks(creation, symbol, today)
    blocks.append(
        context(
            f"Sent privately on {day_label(today, today)}. `/opportunity team` shows the same figures; "
            "`/opportunity coach off` or `snooze 2w` quiets this digest."
        )
    )
    text = (
        f"Your team opened {plural(creation.opened_last_week, 'new opportunity', 'new opportunities')} last week."
        if creation.opened_last_week
        else "No new opportunities on your team last week: one thing to try inside."
    )
    return text, blocks
