"""What an admin typed or picked in the workspace settings modal, as setting values (checked afterwards
by the same rules as the environment's: bot/services/workspace_settings.py)."""

from __future__ import annotations

from bot.parsing import ParseError

NUMBERS = ("nudge_window_days", "nudge_no_new_days", "nudge_cooldown_days", "quarter_start_month")
DECIMALS = ("nudge_min_hours",)
PERCENTS = ("nudge_top_share", "nudge_min_prospecting_share")
TEXTS = ("team_timezone", "digest_slot", "work_hours", "work_days", "reflection_slot", "week_start_day", "quota_period")
GROUPS = ("manager_group", "admin_group")


class FormErrors(ParseError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def read_admin_form(picked: dict[str, object]) -> dict:
    """{block id: value} from the modal -> {setting: value}; FormErrors names fields that are not numbers."""
    changes: dict = {}
    problems: dict[str, str] = {}
    for name in TEXTS:
        if isinstance(picked.get(name), str) and picked[name].strip():
            changes[name] = picked[name].strip()
    for name in NUMBERS + DECIMALS + PERCENTS:
        raw = str(picked.get(name) or "").strip().rstrip("%").strip()
        if not raw:
            continue
        try:
            number = float(raw)
        except ValueError:
            problems[name] = "Type a number, e.g. 14."
            continue
        if name in NUMBERS:
            if number != int(number):
                problems[name] = "Type a whole number, e.g. 14."
                continue
            number = int(number)
        changes[name] = number / 100 if name in PERCENTS else number
    if "holiday_calendar" in picked:  # optional: emptied, the workspace keeps no holidays
        changes["holiday_calendar"] = str(picked.get("holiday_calendar") or "").strip() or None
    if "celebration_channel" in picked:
        changes["celebration_channel"] = picked.get("celebration_channel") or None
    if "manager_ids" in picked:
        changes["manager_ids"] = sorted(picked.get("manager_ids") or [])
    for name in GROUPS:
        if name in picked:
            value = picked.get(name)
            changes[name] = None if value in (None, "", "none") else value
    if problems:
        raise FormErrors(problems)
    return changes
