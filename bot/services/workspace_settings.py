"""A workspace's effective settings: the environment's values are the defaults, and what the workspace's
admins chose in Slack (`/opportunity admin`) goes over them. Every service and job reads settings through
`Services.settings_for(team_id)` (or the scoped `Services.for_team(team_id).settings`), which lands here.

Read again every few seconds per process (in the background: requests are answered from memory) and
forgotten at once when an admin saves, so a change takes effect on the next request without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from pydantic import ValidationError

from bot.settings import Settings
from bot.workers import PEOPLE
from storage import workspace_settings as store

log = logging.getLogger("pipeline_coach.settings")

# What a workspace admin may change from Slack; everything else is the operator's (environment) alone.
EDITABLE = (
    "celebration_channel",
    "manager_ids",
    "manager_group",
    "admin_group",
    "team_timezone",
    "week_start_day",
    "quota_period",
    "quarter_start_month",
    "digest_slot",
    "work_hours",
    "work_days",
    "reflection_slot",
    "holiday_calendar",
    "nudge_window_days",
    "nudge_min_hours",
    "nudge_top_share",
    "nudge_no_new_days",
    "nudge_min_prospecting_share",
    "nudge_cooldown_days",
    "calendar_keep_titles",
)
CACHE_SECONDS = 5.0
_lock = threading.Lock()
_rereading: set[tuple[int, str]] = set()  # (cache, workspace) being read afresh in the background
_generations: dict[tuple[int, str], int] = {}  # bumped by forget(): a read from before it is dropped
_rereader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings")


class InvalidSettings(ValueError):
    """An admin's choice does not read: {field: one plain line}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def defaults(services) -> Settings:
    return services.defaults


def effective(services, team_id: str) -> Settings:
    """Read once, then served from memory: past CACHE_SECONDS the value still answers the request that
    finds it old while one thread reads it afresh, so a burst of requests never queues on the database."""
    cache = services.shared("settings")
    with _lock:
        found = cache.get(team_id)
        if found is not None:
            stamp, settings, generation = found
            if time.monotonic() - stamp >= CACHE_SECONDS and (id(cache), team_id) not in _rereading:
                _rereading.add((id(cache), team_id))
                _rereader.submit(_reread, services, team_id, generation)
            return settings
        generation = _generations.get((id(cache), team_id), 0)
    return _read(services, team_id, generation)


def _read(services, team_id: str, generation: int) -> Settings:
    settings = combine(defaults(services), store.chosen(services.db, team_id), team_id)
    cache = services.shared("settings")
    with _lock:
        if _generations.get((id(cache), team_id), 0) == generation:  # no admin saved while we read
            cache[team_id] = (time.monotonic(), settings, generation)
    return settings


def _reread(services, team_id: str, generation: int) -> None:
    PEOPLE.step_aside()  # the value in hand answers the burst that found it old; read after it
    try:
        _read(services, team_id, generation)
    except Exception as error:  # a database that is down: the value we have keeps serving
        log.warning("could not read workspace %s's settings again (%s); keeping the last ones", team_id, error)
    finally:
        with _lock:
            _rereading.discard((id(services.shared("settings")), team_id))


def prefetch(services, team_ids) -> None:
    """Every workspace's settings in one query, for a job tick that walks them all (a workspace that
    chose nothing gets the defaults without a query of its own)."""
    chosen = store.chosen_by_team(services.db)
    now = time.monotonic()
    cache = services.shared("settings")
    combined = {team_id: combine(defaults(services), chosen.get(team_id, {}), team_id) for team_id in team_ids}
    with _lock:
        for team_id, settings in combined.items():
            cache[team_id] = (now, settings, _generations.get((id(cache), team_id), 0))


def combine(base: Settings, chosen: dict, team_id: str = "") -> Settings:
    """The defaults with a workspace's choices; a stored choice that no longer reads is ignored (logged)."""
    known = {name: value for name, value in chosen.items() if name in EDITABLE}
    if not known:
        return base
    try:
        return validated(base, known)
    except InvalidSettings as problem:
        log.warning("workspace %s has settings that no longer read (%s); using the defaults for them", team_id, problem)
        good = {name: value for name, value in known.items() if name not in problem.problems}
        return validated(base, good) if good else base


def validated(base: Settings, changes: dict) -> Settings:
    """The defaults with `changes`, checked by the same rules as the environment's values."""
    values = {**base.model_dump(), **changes}
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        problems = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item.get("loc") else ""
            problems[name] = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        raise InvalidSettings(problems) from None


def save(services, team_id: str, changes: dict, user_id: str) -> Settings:
    """Store an admin's choices (raising InvalidSettings first if any does not read); effective at once."""
    current = store.chosen(services.db, team_id)
    merged = {**current, **{name: value for name, value in changes.items() if name in EDITABLE}}
    settings = validated(defaults(services), merged)
    base = defaults(services)
    kept = {name: _plain(getattr(settings, name)) for name in merged if getattr(settings, name) != getattr(base, name)}
    store.save(services.db, team_id, kept, user_id, services.now())
    forget(services, team_id)
    return settings


def forget(services, team_id: str) -> None:
    """An admin saved (or the workspace was erased): the next request reads afresh, and a read begun
    before this moment is not kept."""
    cache = services.shared("settings")
    with _lock:
        cache.pop(team_id, None)
        _generations[(id(cache), team_id)] = _generations.get((id(cache), team_id), 0) + 1


def _plain(value):
    return sorted(value) if isinstance(value, (set, frozenset)) else value
