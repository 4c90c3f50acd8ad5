"""What a clock jump brought, in sentences for the page ("Maya got a nudge."), or, when nothing arrived,
why not, for the person who moved the clock. Each job runs once at the new instant, exactly as
`python -m bot jobs run <job> --now <instant>` (and a scheduler tick) would, claims included; what it
posted is read from the embedded Slack, so a sentence says what a person would actually see.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import JOBS
from bot.messages.format import clock, day_label, format_work_days, plural
from bot.rules.periods import local_now
from bot.rules.timing import why_not_now, within_working_hours
from bot.sandbox import clock as sandbox_clock
from bot.sandbox.workspace import Workspace
from bot.services import coach

# What a person finds in their DM after each job (the digest goes to the channel).
GOT = {
    "nudges": "a nudge",
    "reflections": "a weekly reflection",
    "followups": "a question about a planned prospecting block",
    "checkpoints": "a checkpoint question about an obstacle",
    "leader_digest": "the leaders' weekly creation digest, with its chart",
    "meeting_questions": "a one-tap question about where a meeting's time goes",
}


def move(sandbox, user_id: str, moment: datetime) -> list[str]:
    """Move the clock (never back), run every job in the scheduler's order and say what each brought."""
    workspace, services = sandbox.workspace, sandbox.services
    lines: list[str] = []
    with sandbox.clock.lock:
        if moment > sandbox.clock.current:
            sandbox.clock.set(moment)
        now = sandbox.clock.current
        for job in JOBS.values():
            before = _counts(workspace)
            try:
                job.run(services, now)
            except Exception as error:  # shown on the page, as `jobs run` prints it
                lines.append(f"The {job.name} job failed: {error.__class__.__name__}: {error}")
                continue
            lines += _sentences(workspace, job.name, _posted_since(workspace, before))
    return lines or [why_quiet(sandbox, user_id, now)]


def _counts(workspace: Workspace) -> dict[str, int]:
    with workspace.lock:
        return {conversation.id: len(conversation.messages) for conversation in workspace.conversations.values()}


def _posted_since(workspace: Workspace, before: dict[str, int]) -> dict[str, int]:
    """Per conversation, how many messages for everyone the app posted since `before`."""
    with workspace.lock:
        posted = {}
        for conversation in workspace.conversations.values():
            new = conversation.messages[before.get(conversation.id, 0) :]
            mine = [m for m in new if m.user == workspace.bot.id and m.only_for is None]
            if mine:
                posted[conversation.id] = len(mine)
        return posted


def _sentences(workspace: Workspace, job: str, posted: dict[str, int]) -> list[str]:
    people, lines = [], []
    for conversation_id in posted:
        conversation = workspace.conversations[conversation_id]
        if conversation.is_im:
            person = next(member for member in conversation.members if member != workspace.bot.id)
            people.append(first_name(workspace, person))
        elif job == "digest":
            lines.append(f"Last week's digest went to #{conversation.name}.")
        else:
            lines.append(f"The {job} job posted in #{conversation.name}.")
    if people:
        lines.insert(0, f"{_and(people)} got {GOT.get(job, f'a message from the {job} job')}.")
    return lines


def why_quiet(sandbox, user_id: str, now: datetime) -> str:
    """Nothing arrived: the first reason the coach left this person alone (the coach's own rules, in the
    order it checks them), and when their next reflection is due."""
    services, workspace = sandbox.services, sandbox.workspace
    person = workspace.people[user_id]
    name = first_name(workspace, user_id)
    profile = coach.profile_for(services, workspace.team_id, user_id, person.tz)
    state, hours = profile.state, profile.hours
    today = local_now(now, profile.tz).date()
    cooldown_days = services.settings.nudge_cooldown_days
    day_of = lambda moment: day_label(local_now(moment, profile.tz).date(), today)  # noqa: E731
    reason = why_not_now(state, now, timedelta(days=cooldown_days))
    if reason == "disabled":
        because = f"{name} has turned the coach off (/opportunity coach on brings it back)"
    elif reason == "snoozed" and state.snoozed_until is not None:
        because = f"{name} snoozed the coach until {day_of(state.snoozed_until)}"
    elif reason == "cooldown" and state.last_nudged_at is not None:
        gap = plural(cooldown_days, "day")
        because = f"{name} got a nudge on {day_of(state.last_nudged_at)}, and the coach leaves {gap} between nudges"
    elif reason == "undeliverable":
        because = f"Slack would not deliver {name}'s DMs"
    elif not within_working_hours(now, profile.tz, hours):
        working = f"{format_work_days(hours.days)}, {clock(hours.start)}–{clock(hours.end)}"
        because = f"it is outside {name}'s working hours ({working})"
    elif user_id not in coach.concentrated_reps(services, workspace.team_id, now, [user_id]):
        because = f"{name}'s logged time is not concentrated on one deal, so no nudge is due"
    else:
        because = f"{name}'s nudge has gone out already"
    return f"Nothing new for {name}: {because}.{_next_reflection(sandbox, user_id, name, today)}"


def _next_reflection(sandbox, user_id: str, name: str, today) -> str:
    """When this person's next reflection comes (the page's "Skip to the next reflection" goes there)."""
    person, team_id = sandbox.workspace.people[user_id], sandbox.workspace.team_id
    try:
        slot = sandbox_clock.target(sandbox.services, team_id, user_id, person.tz, "reflection")
    except ValueError:
        return ""
    local = local_now(slot, person.tz)
    return f" {name}'s next reflection: {day_label(local.date(), today)}, {clock(local.time())}."


def first_name(workspace: Workspace, user_id: str) -> str:
    return workspace.people[user_id].real_name.split(" ")[0]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
