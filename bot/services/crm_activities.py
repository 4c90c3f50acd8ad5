"""A CRM's meetings and calls as selling time, without anyone typing hours.

Each sync reads the CRM's meetings and calls that started in the capture window (CALENDAR_WINDOW_DAYS),
under the same shared pace as the deal sync, and places each owner's like a calendar's meetings
(bot/services/calendar.capture): on the deal the CRM associates it with, on prospecting when it is with
contacts and no deal, else where the rules say. Only owners matched to a Slack person are captured (an
unmatched owner is never guessed). A meeting the rep's calendar already brought in counts once, as the
calendar's; calls are the CRM's alone. Every owner's window is reconciled, so a meeting deleted or moved
in the CRM leaves or moves here too.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.integrations.activities import ActivitySource
from bot.integrations.calendar_feed import SOURCE as CALENDAR
from bot.rules.capture import not_on_calendar
from bot.services import Services
from bot.services.calendar import capture
from bot.services.crm_push import make_activities, provider_name
from storage import captured, crm_owners


def capture_meetings(services: Services, now: datetime, source: ActivitySource | None = None) -> Counter:
    """Read the window's meetings and calls once, then place every matched owner's; how many went where.
    Raises the CRM's errors (CrmError, BadToken) for the job to report."""
    team_id = services.client.auth_test()["team_id"]
    since = now - timedelta(days=services.settings.calendar_window_days)
    source = source or make_activities(services)
    crm_name = provider_name(services.settings)
    meetings = list(source.activities(since, now))
    reps = {
        owner.owner_id: owner.slack_user_id
        for owner in crm_owners.owners(services.db, team_id, crm_name)
        if owner.slack_user_id
    }
    on_calendar = captured.starts(services.db, team_id, CALENDAR, since, now)
    theirs: dict[str, list] = {rep: [] for rep in reps.values()}
    for meeting in meetings:
        rep = reps.get(meeting.owner_id or "")
        if rep is not None:
            theirs[rep].append(meeting)
    placed: Counter = Counter()
    for rep, found in sorted(theirs.items()):
        _, by_placement = capture(
            services, team_id, rep, crm_name, not_on_calendar(found, on_calendar.get(rep, ())), since, now
        )
        placed.update(by_placement)
    return placed
