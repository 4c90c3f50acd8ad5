"""One formatter per thing the bot shows: durations, money, multipliers, shares, days, ages, weekdays.

Every message module formats through these, so a rep sees "1h 30m" and "2.5×" the same way everywhere.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time

from bot.rules.periods import weekday_short
from bot.text import clip, escape

NAME_LIMIT = 60


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def money(amount: int | None, symbol: str = "$") -> str:
    if amount is None:
        return "no amount"
    return f"{symbol}{amount:,}"


def deal_line(head: str, amount: int | None, symbol: str, tail: str) -> str:
    """One deal in a list: '• head · $48,000 · tail', the amount left out when the deal has none."""
    return f"• {head}" + (f" · {money(amount, symbol)}" if amount is not None else "") + f" · {tail}"


def bullets(lines: list[str], total: int) -> str:
    """Listed lines, one a line, with '…and N more.' when `total` is more than were listed."""
    more = [f"…and {total - len(lines)} more."] if total > len(lines) else []
    return "\n".join(lines + more)


def day_label(day: date | None, today: date) -> str:
    """'Tue 15 Dec', with the year only when it is not this year."""
    if day is None:
        return "no close date"
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def age(since: datetime, now: datetime) -> str:
    days = max(0, (now - since).days)
    if days == 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"


def ago(since: datetime | None, now: datetime) -> str:
    """How long ago, to the minute ('never', 'just now', '4 min ago', '3 h ago', '2 days ago')."""
    if since is None:
        return "never"
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago" if minutes < 48 * 60 else f"{minutes // (24 * 60)} days ago"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def duration(minutes: int) -> str:
    """90 -> '1h 30m', 120 -> '2h', 40 -> '40m'."""
    hours, rest = divmod(max(minutes, 0), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def clock(at: time) -> str:
    return f"{at:%H:%M}"


def when(day: date, today: date) -> str:
    """'today (Mon 23 Nov)', 'yesterday (Sun 22 Nov)', or 'Thu 19 Nov'."""
    label = day_label(day, today)
    if day == today:
        return f"today ({label})"
    if (today - day).days == 1:
        return f"yesterday ({label})"
    return label


def deal_name(text: str | None) -> str:
    """A deal's name as typed, on one line, clipped and escaped."""
    return escape(clip(" ".join((text or "").split()), NAME_LIMIT))


def percent(share: float) -> str:
    """0.625 -> '63%' (halves round up)."""
    return f"{math.floor(share * 100 + 0.5)}%"


def one_decimal(value: float) -> str:
    """Halves round up, as people expect: 0.25 -> 0.3."""
    return f"{math.floor(value * 10 + 0.5) / 10:.1f}"


def times(value: float) -> str:
    """A multiplier such as 2.5×; whole numbers without decimals (3×)."""
    return f"{value:.0f}×" if float(value).is_integer() else f"{one_decimal(value)}×"


def coverage_text(value: float | None) -> str:
    """Coverage as a multiplier, or what stands in for one: no quota yet, or quota met."""
    if value is None:
        return "no quota set"
    if math.isinf(value):
        return "quota met"
    return times(value)


def text_bar(share: float, width: int = 10) -> str:
    """A fixed-width bar that renders in any Slack client, e.g. ▇▇▇▇▇▇▁▁▁▁ for 0.62.

    The share is clamped to 0..1 and rounded to the nearest cell, halves up. Strict rounding means a
    share under half a cell (under 5% on 10 cells) shows as empty, so print the percentage beside it.
    """
    filled = math.floor(min(max(share, 0.0), 1.0) * width + 0.5)
    return "▇" * filled + "▁" * (width - filled)


def format_work_days(days: frozenset[int]) -> str:
    """The shortest way to write a set of days back: "Mon–Fri", "Sun–Thu" or "Mon, Wed, Fri"."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    for start in ordered:  # a run of consecutive days, possibly wrapping the week
        run = [(start + step) % 7 for step in range(len(ordered))]
        if set(run) == set(ordered) and len(ordered) > 2:
            return f"{weekday_short(run[0])}–{weekday_short(run[-1])}"
    return ", ".join(weekday_short(day) for day in ordered)


OBSTACLE_NAMES = {"competing priority": "a competing priority", "other": "something else"}


def short_day(day: date, today: date) -> str:
    """'3 Nov', with the year only when it is not this year."""
    label = f"{day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def obstacle_name(kind: str) -> str:
    """'budget', 'politics', 'timing', 'a competing priority', 'something else'."""
    return OBSTACLE_NAMES.get(kind, kind)


def day_of(moment: datetime, now: datetime) -> date:
    """The calendar day `moment` fell on where `now` is read (the team's zone, Services.team_now), so
    'since 3 Nov' names the day the team saw, not the day in UTC."""
    return moment.astimezone(now.tzinfo).date()


def obstacle_status(kind: str, since: date, checkpoint: date | None, today: date, paused: bool = False) -> str:
    """'waiting on budget since 3 Nov, checkpoint 15 Jan' (and 'stepped back' when the deal is paused)."""
    text = f"waiting on {obstacle_name(kind)} since {short_day(since, today)}"
    if checkpoint is not None:
        text += f", checkpoint {short_day(checkpoint, today)}"
    return text + (", stepped back" if paused else "")


def standing(days: int) -> str:
    """How long something has stood: 'since today', 'since yesterday', 'for 3 days', 'for 5 weeks' (weeks
    from the second week on), in calendar days."""
    if days <= 0:
        return "since today"
    if days == 1:
        return "since yesterday"
    return f"for {_how_long(days)}"


def _how_long(days: int) -> str:
    if days < 14:
        return plural(days, "day")
    return plural(days // 7, "week")


def about(value: float) -> str:
    """A rough figure: 'about 3', 'about 2.5', 'about 12' (one decimal under 10, none above)."""
    if value >= 10:
        return str(math.floor(value + 0.5))
    shown = one_decimal(value)
    return shown[:-2] if shown.endswith(".0") else shown


# Deals of a person whose data was erased are credited to an id starting with this (never a Slack id,
# which starts with U or W): shown as "a former teammate".
FORMER_PREFIX = "X"


def person(user_id: str) -> str:
    """A mention of a teammate, or "a former teammate" for someone whose data was erased."""
    return "a former teammate" if user_id.startswith(FORMER_PREFIX) else f"<@{user_id}>"
