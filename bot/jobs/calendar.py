"""The `calendars` job: read every connected calendar that is due, a few at a time.

Scheduled every CALENDAR_POLL_MINUTES (and only with ENCRYPTION_KEY set). Each feed is read conditionally
(ETag / If-Modified-Since: an unchanged feed costs one 304), within CALENDAR_TIMEOUT_SECONDS and
CALENDAR_MAX_FEED_MB, by CALENDAR_READERS threads. A failing feed backs off (bot/services/calendar.py);
once it has failed for a day its rep is told, once, through the outbox (claimed before it is sent).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from bot.delivery import deliver
from bot.integrations.calendar_feed import FeedError
from bot.jobs.report import JobReport, Switch
from bot.messages import calendar as views
from bot.sealed import SecretUnreadable
from bot.services import Services, workspace
from bot.services import calendar as service
from storage import calendars, claims

log = logging.getLogger("pipeline_coach.calendar")
BATCH = 200  # connections taken per round; a tick takes rounds until none is due
SWITCH = Switch(needs="encryption_key", setting="ENCRYPTION_KEY", every="calendar_poll_minutes")


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("calendars", now)
    if SWITCH.off(services.settings, report):
        return report
    lease = timedelta(minutes=services.settings.calendar_poll_minutes)
    stopped = workspace.stopped_teams(services)  # uninstalled: their calendars wait for retention's erase

    def read(connection: calendars.Connection) -> str:
        return "workspace stopped" if connection.team_id in stopped else _read_one(services, connection, now)

    with ThreadPoolExecutor(max_workers=services.settings.calendar_readers, thread_name_prefix="calendar") as pool:
        while due := calendars.take_due(services.db, now, BATCH, now + lease):
            for outcome in pool.map(read, due):
                report.count(outcome)
    return report


def _read_one(services: Services, connection: calendars.Connection, now: datetime) -> str:
    scoped = services.for_team(connection.team_id)
    try:
        result = service.read(scoped, connection, now)
    except (FeedError, SecretUnreadable):
        _tell_if_failing_long(scoped, connection, now)
        return "failed"
    except Exception as error:  # noqa: BLE001 - one feed never stops the others; no text of it is logged
        log.error("calendar of %s in %s: %s", connection.user_id, connection.team_id, error.__class__.__name__)
        return "failed"
    return "unchanged" if result.unchanged else "read"


def _tell_if_failing_long(services: Services, connection: calendars.Connection, now: datetime) -> None:
    """Once per failing streak, after a day of failures: the claim's key is the streak's first day."""
    since = connection.failing_since or now
    if now - since < service.TELL_AFTER:
        return
    key = claims.Key(connection.team_id, connection.user_id, service.FAILING_KIND, since.date().isoformat())
    text, blocks = views.failing_message(connection.host)
    claim = claims.claim(services.db, key, text, blocks, now)
    if claim is not None:
        deliver(services, claim, now)
