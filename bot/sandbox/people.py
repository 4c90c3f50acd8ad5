"""Who is in the sandbox's workspace: three reps in different time zones, their manager, and the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.sandbox.workspace import Person, Workspace

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Acme Sales (sandbox)"
CHANNEL_ID = "C0SALESWINS"
CHANNEL_NAME = "sales-wins"
BOT = Person("U0COACH", "pipeline_coach", "Pipeline Coach", "UTC", "App", is_bot=True)

MAYA = Person("U0MAYA", "maya", "Maya Okafor", "America/New_York", "Account Executive")
PRIYA = Person("U0PRIYA", "priya", "Priya Nair", "Europe/London", "Account Executive")
JONAS = Person("U0JONAS", "jonas", "Jonas Weber", "Europe/Berlin", "Business Development Rep")
DANA = Person("U0DANA", "dana", "Dana Brooks", "America/Chicago", "Sales Manager")
PEOPLE = (MAYA, PRIYA, JONAS, DANA)
MANAGERS = (DANA.id,)
TEAM_TIMEZONE = MAYA.tz  # the team's week, the digest's Monday 09:00 and dates follow New York


def build_workspace(token: str, clock: Callable[[], datetime]) -> Workspace:
    workspace = Workspace(TEAM_ID, TEAM_NAME, BOT, token, clock)
    for person in PEOPLE:
        workspace.add_person(Person(**vars(person)))
    workspace.add_channel(CHANNEL_ID, CHANNEL_NAME, {BOT.id, *(person.id for person in PEOPLE)})
    for person in PEOPLE:
        workspace.dm_with_bot(person.id)
    return workspace
