"""How bot/settings/ reads an operator's values: each function takes the raw value and returns it read,
or raises ValueError in words the operator can act on (load_settings turns them into one line each)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TOKEN_SHAPES = {  # what the token is, its prefix, and where in the app's settings a person finds it
    "slack_bot_token": ("the bot token", "xoxb-", "OAuth & Permissions page"),
    "slack_app_token": ("an app-level token", "xapp-", "Basic Information page"),
}


class Missing(ValueError):
    """A required setting is absent (reported like pydantic's own 'missing')."""


def blank_is_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def comma_list(value: object) -> tuple[str, ...]:
    """`a, b,,c` (or a list) as its non-blank parts, stripped, in order."""
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(str(part).strip() for part in parts or () if str(part).strip())  # type: ignore[union-attr]


def user_ids(value: object) -> frozenset[str]:
    ids = frozenset(comma_list(value))
    if any(not part.isalnum() for part in ids):
        raise ValueError("must be comma-separated Slack user ids such as U0123ABCD,U0456EFGH")
    return ids


def scopes(value: object) -> tuple[str, ...]:
    found = comma_list(value)
    if not found:
        raise ValueError("needs at least one bot scope, e.g. commands,chat:write")
    return found


def open_stages(value: object) -> tuple[str, ...]:
    stages = comma_list(value)
    if not 1 <= len(stages) <= 10:
        raise ValueError("needs between 1 and 10 comma-separated stage names, e.g. Discovery,Proposal")
    folded = [stage.casefold() for stage in stages]
    if len(set(folded)) != len(folded):
        raise ValueError("lists the same stage twice")
    if {"won", "lost"} & set(folded):
        raise ValueError("lists only open stages; Won and Lost are always there")
    if any(len(stage) > 30 for stage in stages):
        raise ValueError("has a stage name longer than 30 characters")
    return stages


def group_id(value: str | None) -> str | None:
    value = blank_is_none(value)
    if value and not (value.startswith("S") and value.isalnum()):
        raise ValueError("must be a user group id such as S0123ABCD (not its @handle)")
    return value


def http_url(value: str, example: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http(s) URL such as {example}")
    return value


def token(field: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    what, prefix, where = TOKEN_SHAPES[field]
    if not value.startswith(prefix):
        raise ValueError(f"must be {what} that starts with {prefix} ({where})")
    return value


def time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as Europe/London or America/New_York") from None
    return value


def holiday_calendar(value: str | None) -> str | None:
    """HOLIDAY_CALENDAR: a country (and region) the holidays package knows, as its code; empty is none."""
    from bot.rules.holidays import read_calendar

    return read_calendar(value)


def coach_time(field: str, value: str) -> str:
    """WORK_HOURS, WORK_DAYS or a weekly slot (REFLECTION_SLOT, DIGEST_SLOT, MANAGER_SLOT), read as reps type them."""
    from bot.parsing import coaching

    reader = {"work_hours": coaching.parse_hours, "work_days": coaching.parse_work_days}.get(
        field, coaching.parse_weekly_slot
    )
    try:
        reader(value)
    except ValueError as problem:
        raise ValueError(str(problem).rstrip(".")) from None
    return value


def describe(error: dict) -> str:
    """One of pydantic's errors as the line an operator reads."""
    field = str(error["loc"][0]).upper() if error.get("loc") else ""
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if message.startswith("SLACK_BOT_TOKEN") and " " not in message:
        field, error = message, {**error, "type": "missing"}
    if error.get("type") == "missing":
        return f"Setting {field} is missing: set it in the environment or in .env (see .env.example)."
    if not field:
        return f"Settings problem: {message}."
    return f"Setting {field}: {message} (see .env.example)."
