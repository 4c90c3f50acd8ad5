"""Block Kit for a workspace's admins: the settings modal (`/opportunity admin`), its replies, and the
"forget me" confirmations. Plain data in, payloads out."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import kit
from bot.rules.periods import WEEKDAYS
from bot.settings import Settings
from bot.text import escape

ADMIN_VIEW = "workspace_admin"
FORGET_CONFIRMED = "forget_confirmed"
FORGET_EXPORT = "forget_export"
FORGET_PICK = "forget_pick"
NO_GROUP = "none"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def _choice(options: list[dict], value: str) -> dict | None:
    return next((item for item in options if item["value"] == value), None)


def _select(block_id: str, label: str, options: list[dict], value: str) -> dict:
    return kit.input_block(block_id, label, kit.static_select(options, _choice(options, value)))


def _text(block_id: str, label: str, value: object, hint: str | None = None, length: int = 40) -> dict:
    return kit.input_block(block_id, label, kit.text_input(str(value), length, initial=str(value)), hint=hint)


def _percent(share: float) -> str:
    return f"{share * 100:g}"


def admin_modal(settings: Settings, groups: Sequence[tuple[str, str]], metadata: str) -> dict:
    """Every setting a workspace admin may change, filled in with what is in force now."""
    channel = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if settings.celebration_channel:
        channel["initial_conversation"] = settings.celebration_channel
    managers = {"type": "multi_users_select", "action_id": "value", "max_selected_items": 100}
    if settings.manager_ids:
        managers["initial_users"] = sorted(settings.manager_ids)[:100]
    group_options = [kit.option("No group", NO_GROUP)] + [
        kit.option(f"@{name}", group_id) for group_id, name in groups
    ][:99]
    weekdays = [kit.option(day.title(), day[:3]) for day in WEEKDAYS]
    blocks = [
        kit.section("*Pipeline Coach for this workspace.* Changes apply as soon as you save."),
        kit.input_block("celebration_channel", "Celebration channel", channel, optional=True,
                    hint="New opportunities, wins and the weekly digest go here. Leave empty to switch them off."),
        kit.input_block("manager_ids", "Managers", managers, optional=True,
                    hint="Managers see `/opportunity team` and can export the team's data."),
    ]  # fmt: skip
    if groups:
        blocks.append(
            _select("manager_group", "Managers' user group", group_options, settings.manager_group or NO_GROUP)
        )
        blocks.append(_select("admin_group", "Admins' user group", group_options, settings.admin_group or NO_GROUP))
    blocks += [
        _text("team_timezone", "Team time zone", settings.team_timezone, "An IANA zone, e.g. Europe/London", 64),
        _select("week_start_day", "Weeks start on", weekdays, settings.week_start_day),
        _select("quota_period", "Quota period", [kit.option("Month", "month"), kit.option("Quarter", "quarter")],
                settings.quota_period),
        _select("quarter_start_month", "Quarters start in",
                [kit.option(name, str(number)) for number, name in enumerate(MONTHS, 1)],
                str(settings.quarter_start_month)),
        _text("digest_slot", "Weekly digest", settings.digest_slot, "Day and time, e.g. mon 09:00"),
        _text("work_hours", "Working hours (default)", settings.work_hours, "e.g. 09:00-17:00"),
        _text("work_days", "Working days (default)", settings.work_days, "e.g. mon-fri"),
        _text("reflection_slot", "Weekly reflection (default)", settings.reflection_slot, "e.g. fri 15:00"),
        kit.input_block("holiday_calendar", "Public holidays (country)",
                        kit.text_input("e.g. GB, US-CA, DE-BY", 16, initial=settings.holiday_calendar), optional=True,
                        hint="No nudge, reflection, checkpoint or leaders' digest lands on these days; what was due "
                             "is asked the next working morning. Reps may set their own. Empty: none."),
        kit.context("*The coach's nudge*: when a rep's time piles onto one deal."),
        _text("nudge_window_days", "Looks back (days)", settings.nudge_window_days),
        _text("nudge_min_hours", "Only after this many logged hours", f"{settings.nudge_min_hours:g}"),
        _text("nudge_top_share", "Top deal's share of the time (%)", _percent(settings.nudge_top_share)),
        _text("nudge_no_new_days", "Days without a new opportunity", settings.nudge_no_new_days),
        _text("nudge_min_prospecting_share", "Least prospecting share (%)",
              _percent(settings.nudge_min_prospecting_share)),
        _text("nudge_cooldown_days", "Days between nudges", settings.nudge_cooldown_days),
    ]  # fmt: skip
    return kit.modal(ADMIN_VIEW, "Workspace settings", "Save", metadata, blocks)


NO_CRM = (
    "No CRM is connected. To sync deals with HubSpot, an operator sets HUBSPOT_ACCESS_TOKEN "
    "(docs/admins/crm.md walks through it); for Salesforce, the SALESFORCE_ settings."
)


def crm_status_reply(lines: Sequence[str], crm: str = "HubSpot") -> dict:
    """The CRM sync's state for an admin, as `python -m bot crm status` prints it; `crm`: which CRM."""
    text = "\n".join(escape(line) for line in lines)
    chunks = [text[start : start + 2900] for start in range(0, len(text), 2900)] or [""]
    blocks = [kit.section(f"*The CRM sync* ({escape(crm)})")] + [kit.section(f"```{chunk}```") for chunk in chunks[:40]]
    return kit.reply("The CRM sync's state.", blocks)


def admins_only() -> dict:
    return kit.reply(
        "Workspace settings are for this workspace's admins. Ask an admin or owner if something should change."
    )


def saved_reply(settings: Settings, channel_note: str | None) -> tuple[str, list[dict]]:
    where = f"<#{settings.celebration_channel}>" if settings.celebration_channel else "nowhere (celebrations off)"
    lines = [
        ":white_check_mark: Saved. This workspace's settings apply from now on.",
        f"Celebrations and the digest: {where} · digest {settings.digest_slot} · time zone {settings.team_timezone}",
    ]
    if channel_note:
        lines.append(f":point_right: {channel_note}")
    text = "\n".join(lines)
    return text, [kit.section(text)]


def forget_offer(export_first: bool = True) -> dict:
    """The confirm step of `/opportunity forget-me`: what goes, what stays, and export first."""
    text = (
        "*Erase your data from Pipeline Coach?* Your logged time, your answers to the coach, your quotas and "
        "your coaching settings are deleted. Deals stay in the team's history (a won deal still counts in a "
        "past digest), with your name taken off them. This can't be undone."
    )
    buttons = []
    if export_first:
        buttons.append(kit.button("Export my data first", FORGET_EXPORT))
    buttons.append(kit.button("Erase my data", FORGET_CONFIRMED, kit.button_value(user="self"), style="danger"))
    return kit.reply("Erase your data from Pipeline Coach?", [kit.section(text), kit.actions(buttons)])


def forget_whom() -> dict:
    """`/opportunity admin forget`: pick the person who has left."""
    picker = {
        "type": "users_select",
        "action_id": FORGET_PICK,
        "placeholder": {"type": "plain_text", "text": "Pick a person"},
    }
    text = "*Whose data should be erased?* Pick the person who has left; you'll be asked to confirm."
    return kit.reply("Whose data should be erased?", [kit.section(text), kit.actions([picker], "forget_pick")])


def forget_someone_offer(user_id: str) -> dict:
    text = (
        f"*Erase <@{user_id}>'s data?* Their logged time, answers, quotas and coaching settings are deleted; "
        "their deals stay in the team's history without their name. This can't be undone."
    )
    buttons = [kit.button("Erase their data", FORGET_CONFIRMED, kit.button_value(user=user_id), style="danger")]
    return kit.reply("Erase this person's data?", [kit.section(text), kit.actions(buttons)])


def forgotten_reply(counts: dict[str, int], whose: str) -> dict:
    erased = ", ".join(f"{number} {what}" for what, number in counts.items() if number) or "nothing was stored"
    return kit.reply(f"Done: {whose} data is erased ({erased}).")
