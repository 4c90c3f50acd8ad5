"""The leaders' weekly digest: each manager (MANAGER_IDS and MANAGER_GROUP) gets one private DM at
MANAGER_SLOT in their own time zone about creation, not capture: the team's openings against the pace
next period needs, how many reps opened and how many have gone quiet on prospecting (counts and a
question to ask, never names), who opened what, early-stage deals worth their attention, and beneath it a
picture of openings per week per rep over 12 weeks with wins (bot/uploads.py: claimed like the DM).

Like the reflection, a slot is due from its moment for CATCH_UP, keyed by the slot's local date, and
`/opportunity coach off|snooze` quiets it for the manager as it does for a rep. A slot on a public holiday
of the manager's calendar goes out the next working morning instead (bot/rules/timing.py: weekly_slot).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import outlook as views
from bot.parsing.coaching import parse_weekly_slot
from bot.rules.timing import weekly_slot
from bot.services import Services
from bot.services.charts import team_chart
from bot.services.outlook import team_creation
from bot.uploads import upload_message
from storage import outbox, reps
from storage.claims import Key

KIND = "leader_digest"
CHART_KIND = "leader_chart"  # the week's picture, claimed on its own: uploaded once, after the words
CHART_TITLE = "Openings per week, by rep"
CATCH_UP = timedelta(hours=3)


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("leader_digest", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    managers = sorted(services.managers.all_managers())
    if not managers:
        report.count("no managers")
        return
    reps.ensure_reps(services.db, team_id, managers, now)
    settings_of = reps.reps_of_team(services.db, team_id)
    leaders = {user: settings_of[user] for user in managers if user in settings_of}
    report.reps += len(leaders)
    common.retry_due(services, team_id, KIND, leaders, now, report)
    common.retry_due(services, team_id, CHART_KIND, leaders, now, report)

    weekday, at = parse_weekly_slot(services.settings.manager_slot)
    candidates = [rep for rep in leaders.values() if common.why_not_message(rep, now) is None]
    holidays_kept = services.settings.holiday_calendar or any(rep.holiday_calendar for rep in candidates)
    if not candidates or (not holidays_kept and (weekday - now.weekday()) % 7 not in (0, 1, 6)):
        return
    due = []
    for profile in common.in_their_zones(services, team_id, candidates, now):
        found = weekly_slot(now, profile.tz, weekday, at, CATCH_UP, profile.hours)
        if found is not None:
            due.append((profile, found[0]))
    periods = {day.isoformat() for _, day in due}
    words, pictures = (_unclaimed(services, team_id, kind, due, periods) for kind in (KIND, CHART_KIND))
    report.due += len(words)
    if words:
        creation = team_creation(services, team_id, services.team_today())
        symbol = services.settings.currency_symbol
        for profile, day in words:
            message = views.leader_digest(creation, symbol, day, now)
            common.claim_and_send(services, Key(team_id, profile.user_id, KIND, day.isoformat()), message, now, report)
    if pictures:  # after the words; claimed on its own, so one lost between the two claims is still sent
        today = services.team_today()
        picture = upload_message(team_chart(services, team_id, today), f"openings-{today}.png", CHART_TITLE)
        for profile, day in pictures:
            key = Key(team_id, profile.user_id, CHART_KIND, day.isoformat())
            common.claim_and_send(services, key, picture, now, report)


def _unclaimed(services: Services, team_id: str, kind: str, due: list, periods: set[str]) -> list:
    """The due (profile, day) pairs with no claim of this kind yet (one query)."""
    claimed = outbox.existing_keys(services.db, team_id, kind, periods)
    return [(profile, day) for profile, day in due if (profile.user_id, day.isoformat()) not in claimed]
