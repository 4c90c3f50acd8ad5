"""The app's life in a workspace: uninstalled or its bot token revoked, every job and scheduled message
for it stops at once (its data is kept until an admin erases it); a request from it again means it was
reinstalled, and coaching resumes."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.services import Services
from storage import workspaces
from storage.db import DatabaseUnavailable

log = logging.getLogger("pipeline_coach.workspace")
CACHE_SECONDS = 60.0

_lock = threading.Lock()
_cache: dict[int, tuple[float, frozenset[str]]] = {}
_checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workspace")


def uninstalled(services: Services, team_id: str, reason: str) -> None:
    """`app_uninstalled`, or `tokens_revoked` naming our bot: stop everything for that workspace and
    remove its installation (tokens); its data is kept for WORKSPACE_RETENTION_DAYS, then erased."""
    workspaces.mark_uninstalled(services.db, team_id, reason, services.now())
    if services.installations is not None:
        services.installations.forget(team_id)
    _forget(services)
    log.info("Pipeline Coach was removed from workspace %s (%s); its jobs and messages stop", team_id, reason)


def installed(services: Services, team_id: str) -> None:
    """An install by link finished: the workspace is (again) one the jobs serve."""
    workspaces.mark_installed(services.db, team_id, services.now())
    _forget(services)
    log.info("Pipeline Coach was installed in workspace %s", team_id)


def stopped_teams(services: Services) -> frozenset[str]:
    """Workspaces no job may message, read afresh: jobs call this once per tick."""
    return frozenset(workspaces.uninstalled_teams(services.db))


def _known_stopped(services: Services) -> frozenset[str] | None:
    """The stopped workspaces as read within CACHE_SECONDS, or None when that read is older or missing."""
    with _lock:
        found = _cache.get(id(services.shared("workspaces")))
    return found[1] if found is not None and time.monotonic() - found[0] < CACHE_SECONDS else None


def _stopped_recently(services: Services) -> frozenset[str]:
    """The same, read at most once a minute per process: every request asks it."""
    known = _known_stopped(services)
    if known is not None:
        return known
    with _lock:
        found = _cache.get(id(services.shared("workspaces")))
    try:
        teams = frozenset(workspaces.uninstalled_teams(services.db))
    except DatabaseUnavailable:  # keep what we knew; don't ask a database that is down on every request
        teams = found[1] if found is not None else frozenset()
    with _lock:
        _cache[id(services.shared("workspaces"))] = (time.monotonic(), teams)
    return teams


def heard_from_later(services: Services, team_id: str) -> None:
    """Note a request from a workspace off the request's thread: a database that is slow or down must
    never delay Slack's acknowledgement for this bookkeeping. A workspace known (this minute) to be
    installed needs nothing, and is answered here without handing a thread the work."""
    known = _known_stopped(services)
    if team_id and (known is None or team_id in known):
        _checker.submit(_heard_from_quietly, services, team_id)


def _heard_from_quietly(services: Services, team_id: str) -> None:
    try:
        heard_from(services, team_id)
    except DatabaseUnavailable:
        pass  # the request itself tells the rep, truthfully; the next request tries again
    except Exception:
        log.exception("could not note a request from workspace %s", team_id)


def heard_from(services: Services, team_id: str) -> None:
    """Slack delivered a request from this workspace, so the app is installed there (again)."""
    if team_id and team_id in _stopped_recently(services):
        workspaces.mark_installed(services.db, team_id, services.now())
        _forget(services)
        log.info("Pipeline Coach is back in workspace %s; coaching resumes", team_id)


def _forget(services: Services) -> None:
    with _lock:
        _cache.pop(id(services.shared("workspaces")), None)
