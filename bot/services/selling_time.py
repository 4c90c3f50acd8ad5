"""Selling time: log prospecting and deal work, undo the last entry, set or read this period's quota.

Each action is one transaction, and every change signals the rep's Home tab once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.parsing import ParseError
from bot.parsing.selling_time import EXPIRED_CHOICE, DealLog, read_carried_log
from bot.rules.capture import Overlap, hand_log_adds
from bot.rules.entries import undo_bounds
from bot.services import Services, pipeline, stored_once
from bot.services.health import current_period
from storage import activities, captured, quotas
from storage.records import ActivityView, NewActivity, NotOpen


def log_entry(
    services: Services, team_id: str, user_id: str, entry: NewActivity, key: str | None = None
) -> ActivityView:
    """One entry of any kind, stored once per Slack request `key` (see stored_once)."""
    stored, stored_now = stored_once(
        key,
        lambda: activities.log_activity(services.db, team_id, user_id, entry, services.now(), request_key=key),
        lambda: activities.logged_by_request(services.db, team_id, key),  # type: ignore[arg-type]
    )
    if stored_now:
        services.changed(team_id, user_id)
    return stored


def log_prospecting(
    services: Services, team_id: str, user_id: str, entry: NewActivity, key: str | None = None
) -> ActivityView:
    return log_entry(services, team_id, user_id, entry, key)


def log_deal_time(
    services: Services,
    team_id: str,
    user_id: str,
    entry: DealLog,
    opportunity_id: object,
    key: str | None = None,
) -> ActivityView:
    """Time on one of the rep's own open deals (NotOpen for anything else)."""
    if not isinstance(opportunity_id, int):
        raise NotOpen(opportunity_id)
    return log_entry(services, team_id, user_id, entry.activity(opportunity_id), key)


@dataclass(frozen=True)
class DealLogLookup:
    """`/opportunity log acme 90m`: the stored entry, or the deals to choose from, or nothing matched."""

    stored: ActivityView | None
    candidates: list
    overlap: Overlap | None = None  # the deal's meetings that day, already counted from a calendar


def log_deal_time_by_name(
    services: Services, team_id: str, user_id: str, entry: DealLog, key: str | None = None
) -> DealLogLookup:
    lookup = pipeline.find(services, team_id, user_id, entry.reference)
    if lookup.found is None:
        return DealLogLookup(None, lookup.candidates)
    stored = log_deal_time(services, team_id, user_id, entry, lookup.found.id, key)
    return DealLogLookup(stored, [], captured_overlap(services, stored))


def captured_overlap(services: Services, entry: ActivityView) -> Overlap | None:
    """What a hand log added on a deal and day that already has captured meetings (None: it has none)."""
    if entry.opportunity_id is None:
        return None
    logged, meetings = captured.deal_day_minutes(
        services.db, entry.team_id, entry.user_id, entry.opportunity_id, entry.occurred_on
    )
    if not meetings:
        return None
    return Overlap(meetings, hand_log_adds(max(logged - entry.minutes, 0), logged, meetings))


def log_picked_deal(
    services: Services, team_id: str, user_id: str, carried: object, opportunity_id: object, key: str | None = None
) -> ActivityView:
    """The rep picked one of several deals for `/opportunity log`: store the time they typed."""
    if not isinstance(opportunity_id, int):
        raise ParseError(EXPIRED_CHOICE)
    return log_deal_time(services, team_id, user_id, read_carried_log(carried), opportunity_id, key)


def undo_last(services: Services, team_id: str, user_id: str, request_key: str | None = None) -> ActivityView | None:
    """Remove the rep's last entry if it is recent enough (bot/rules/entries.py); what was removed. Once
    per Slack request: a replay of it removes nothing more and gets the same answer."""
    now = services.now()
    created_since, occurred_since = undo_bounds(now)
    removed = activities.undo_last(services.db, team_id, user_id, created_since, occurred_since, request_key, now)
    if removed is not None:
        services.changed(team_id, user_id)
    return removed


@dataclass(frozen=True)
class Quota:
    amount: int | None
    period: str
    start: date
    end: date


def quota(services: Services, team_id: str, user_id: str, new_amount: int | None = None) -> Quota:
    """This period's quota; with new_amount, set (or replace) it first."""
    start, end = current_period(services)
    if new_amount is not None:
        quotas.set_quota(services.db, team_id, user_id, start, new_amount, services.now())
        services.changed(team_id, user_id)
        amount: int | None = new_amount
    else:
        amount = quotas.get_quota(services.db, team_id, user_id, start)
    return Quota(amount, services.settings.quota_period, start, end)
