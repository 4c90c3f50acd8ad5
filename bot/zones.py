"""Reps' time zones, read in bulk: one paged users.list per workspace a day (a thousand people a page),
kept fresh between refreshes by the user_change event, cached in the reps table for every instance.

users.info is asked only for the rare rep the list missed (a guest, someone who joined after the last
page was read). One instance at a time pages through the list (a lease on the workspace row); another
instance that needs the zones meanwhile waits for it rather than asking Slack again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError, SlackClientError

from bot import slack_pace
from bot.people import TOKEN_FAILURES, UNREACHABLE, WorkspaceUnreachable
from storage import claims, workspaces
from storage import reps as reps_store
from storage.reps import RepSettings

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pipeline_coach.zones")

PAGE = 1000
STALE_AFTER = timedelta(days=2)  # if the bulk refresh keeps failing, a rep's own zone is re-read after this
WAIT_STEP = 0.1


def is_stale(rep: RepSettings, refreshed_at: datetime | None, now: datetime) -> bool:
    """A rep's cached zone needs users.info: never read, missed by the last bulk read, or long unrefreshed
    (spread per rep, so a whole workspace never expires at once)."""
    if rep.tz_checked_at is None:
        return True
    if refreshed_at is not None and rep.tz_checked_at < refreshed_at:
        return True
    return now - rep.tz_checked_at >= STALE_AFTER + workspaces.spread(rep.user_id, workspaces.ZONES_SPREAD)


def refresh_workspace(services: Services, team_id: str, now: datetime) -> bool:
    """Page through users.list if the workspace's refresh is due and no other instance is doing it.

    Each page is stored as it arrives (one executemany), so memory stays flat whatever the workspace's size.
    Pages are read at the workspace's shared users.list pace (bot/slack_pace.py), under Tier 2 in any minute.
    Deleted (deactivated) people are marked unreachable. True if this call refreshed the zones.
    """
    db = services.db
    token = claims.new_token()
    if not workspaces.take_zone_refresh(db, team_id, token, now):
        return False
    done = False
    try:
        cursor = None
        while True:
            args = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
            slack_pace.wait_for_turn(services, "users.list")  # Tier 2 for the workspace, never a burst past it
            response = services.client.users_list(**args)
            zones: dict[str, str | None] = {}
            gone: dict[str, str] = {}
            for member in response.get("members") or []:
                user_id = member.get("id")
                if not user_id:
                    continue
                if member.get("deleted"):
                    gone[user_id] = "account_inactive"
                else:
                    zones[user_id] = member.get("tz") or None
            if zones or gone:
                reps_store.save_time_zones(db, team_id, zones, now, gone)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        done = True
    except SlackApiError as error:
        reason = str(error.response.get("error") or "")
        if reason in TOKEN_FAILURES:  # the workspace's token: skip the workspace this tick, one line
            raise WorkspaceUnreachable(f"Slack says {reason}") from None
        log.warning("users.list for %s failed (%s); using cached time zones", team_id, reason)
    except SlackClientError as error:
        log.warning("users.list for %s failed (%s); using cached time zones", team_id, error)
    finally:
        workspaces.finish_zone_refresh(db, team_id, token, now, done)
    return done


def time_zones(
    services: Services, team_id: str, reps: Iterable[RepSettings], now: datetime
) -> tuple[dict[str, str | None], set[str]]:
    """Each rep's zone, from the cache; refreshed in bulk first when the workspace's day is up.

    Returns the zones and the reps Slack says are gone (deleted, deactivated, not found), who are marked
    undeliverable. A Slack hiccup keeps the cached zone (or none) rather than stopping the run.
    """
    reps = list(reps)
    db = services.db
    refreshed_at = workspaces.zones_refreshed_at(db, team_id)
    if any(is_stale(rep, refreshed_at, now) for rep in reps):
        if not refresh_workspace(services, team_id, now):
            _wait_for_other_instance(services, team_id)
        fresh = reps_store.reps_of(db, team_id, {rep.user_id for rep in reps})  # these reps only: a page
        reps = [fresh.get(rep.user_id, rep) for rep in reps]
        refreshed_at = workspaces.zones_refreshed_at(db, team_id)
    gone = {rep.user_id: rep.undeliverable_reason for rep in reps if rep.undeliverable_reason}
    zones = {rep.user_id: rep.tz for rep in reps if rep.user_id not in gone}
    missed = [rep for rep in reps if rep.user_id not in gone and is_stale(rep, refreshed_at, now)]
    fetched, newly_gone = _one_by_one(services, missed)
    if fetched or newly_gone:
        reps_store.save_time_zones(db, team_id, fetched, now, newly_gone)
    zones.update(fetched)
    for user_id in newly_gone:
        zones.pop(user_id, None)
    return zones, set(gone) | set(newly_gone)


def _wait_for_other_instance(services: Services, team_id: str) -> None:
    deadline = time.monotonic() + workspaces.ZONES_LEASE.total_seconds()
    while time.monotonic() < deadline and workspaces.zone_refresh_running(services.db, team_id, services.now()):
        time.sleep(WAIT_STEP)


def _one_by_one(services: Services, reps: list[RepSettings]) -> tuple[dict[str, str | None], dict[str, str]]:
    """users.info for the reps the list missed."""

    fetched: dict[str, str | None] = {}
    gone: dict[str, str] = {}
    for rep in reps:
        try:
            user = services.client.users_info(user=rep.user_id).get("user") or {}
        except SlackApiError as error:
            reason = str(error.response.get("error") or "")
            if reason in TOKEN_FAILURES:
                raise WorkspaceUnreachable(f"Slack says {reason}") from None
            if reason in UNREACHABLE:
                gone[rep.user_id] = reason
            else:
                log.warning("users.info for %s failed (%s); using the cached time zone", rep.user_id, reason)
            continue
        except SlackClientError as error:
            log.warning("users.info for %s failed (%s); using the cached time zone", rep.user_id, error)
            continue
        if user.get("deleted"):
            gone[rep.user_id] = "account_inactive"
            continue
        fetched[rep.user_id] = user.get("tz") or None
    return fetched, gone
