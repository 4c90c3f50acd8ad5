"""One job shape, "ask a rep about something of theirs on their working morning": each item (an obstacle's
checkpoint, a planned prospecting block) is asked about once, by DM, in the rep's own working hours, from the
first day it is due until it is stale; reps who are off, snoozed or unreachable are not messaged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.rules.periods import local_now
from bot.rules.timing import Profile, within_working_hours
from bot.services import Services
from storage import claims, outbox


@dataclass(frozen=True)
class Question:
    """What a job asks about its items (each has a `user_id`): `period_of` keys an item's one question,
    `days_of` gives the first and the last local day to ask it (None: never), `message_of` words it (given
    the rep's local today and time zone)."""

    kind: str
    period_of: Callable[[Any], str]
    days_of: Callable[[Any, Profile], tuple[date, date] | None]
    message_of: Callable[[Any, date, str], tuple[str, list[dict]]]


def ask_when_due(
    services: Services, team_id: str, now: datetime, report: JobReport, items: Sequence[Any], question: Question
) -> None:
    """Retry this kind's due claims, then claim and send each item's question whose day has come."""
    kind, period_of = question.kind, question.period_of
    reps_by_id = common.reps_using_the_bot(services, team_id, now) if items else {}
    report.reps += len(reps_by_id)
    common.retry_due(services, team_id, kind, reps_by_id, now, report)
    if not items:
        return
    asked = outbox.existing_keys(services.db, team_id, kind, {period_of(item) for item in items})
    waiting = [
        item
        for item in items
        if (item.user_id, period_of(item)) not in asked
        and common.why_not_message(reps_by_id.get(item.user_id), now) is None
    ]
    if not waiting:
        return
    askers = {item.user_id: reps_by_id[item.user_id] for item in waiting}
    profiles = {profile.user_id: profile for profile in common.in_their_zones(services, team_id, askers.values(), now)}
    for item in waiting:
        profile = profiles.get(item.user_id)
        days = question.days_of(item, profile) if profile is not None else None
        if profile is None or days is None:
            continue
        local_today = local_now(now, profile.tz).date()
        if not days[0] <= local_today <= days[1]:
            continue
        if not within_working_hours(now, profile.tz, profile.hours):
            continue
        report.due += 1
        key = claims.Key(team_id, item.user_id, kind, period_of(item))
        common.claim_and_send(services, key, question.message_of(item, local_today, profile.tz), now, report)
