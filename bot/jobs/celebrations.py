"""The celebration poster: one thread a process posts the celebrations people's changes planned.

It wakes when a change plans one (bot/services/celebrations.WAITING) and when the app starts (news planned
before a restart, or left by another instance); while a post waits for a retry it looks again every
POLL_SECONDS. It
steps aside while people wait for their answers, then posts what a workspace has waiting as one message,
never sooner than CHANNEL_GAP_SECONDS after its last post there: Slack takes about one message a second per
channel. Nothing here holds a thread that answers people, however slow the channel.
"""

from __future__ import annotations

import logging
import threading
import time

from bot.services import Services
from bot.services import celebrations as service
from bot.workers import CALM_MOST_SECONDS, CALM_SECONDS, PEOPLE

log = logging.getLogger("pipeline_coach.celebrations")

POLL_SECONDS = 30.0  # a look at what was kicked but could not be posted yet


class Poster:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = False
        self._last_post: dict[tuple[int, str], float] = {}
        self._retrying: dict[int, Services] = {}  # deployments with a post to try again, by database

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="celebrations", daemon=True)
                self._thread.start()

    def wait_until_idle(self, timeout: float) -> bool:
        """Nothing kicked is left unposted (tests and the sandbox, before Slack's stand-in goes away)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._busy or service.WAITING.event.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    def _run(self) -> None:
        while True:
            service.WAITING.event.wait(POLL_SECONDS)
            with self._lock:
                self._busy = True
                service.WAITING.event.clear()
            try:
                PEOPLE.step_aside(CALM_MOST_SECONDS, CALM_SECONDS)  # nobody waits on the news: people first
                kicked = {id(services.db): services for services in service.WAITING.take()}
                for key, services in {**self._retrying, **kicked}.items():
                    self._drain(services)
                    if self._still_retrying(services):
                        self._retrying[key] = services
                    else:
                        self._retrying.pop(key, None)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    @staticmethod
    def _still_retrying(services: Services) -> bool:
        try:
            return service.any_retrying(services)
        except Exception:  # the database went away: the next kick looks again
            return False

    def _drain(self, services: Services) -> None:
        """Every workspace's waiting news, a post at a time at each channel's pace."""
        try:
            teams = service.waiting_teams(services, services.now())
        except Exception as error:  # a database that went away: the next kick or minute tries again
            log.warning("could not read the waiting celebrations: %s", error.__class__.__name__)
            return
        for team_id in teams:
            self._post_team(services, team_id)

    def _post_team(self, services: Services, team_id: str) -> None:
        """A workspace's posts, one at a time, each past the channel's gap since the last (waited out only
        when more news is waiting)."""
        key = (id(services.db), team_id)
        while True:
            try:
                wait = self._last_post.get(key, float("-inf")) + service.CHANNEL_GAP_SECONDS - time.monotonic()
                if wait > 0:
                    if team_id not in service.waiting_teams(services, services.now()):
                        return
                    time.sleep(wait)
                PEOPLE.step_aside(CALM_MOST_SECONDS, CALM_SECONDS)  # a burst arriving now: its news waits for it
                posted = service.post_waiting(services, team_id, services.now())
            except Exception:
                log.exception("celebrations for %s could not be posted; they wait for the next try", team_id)
                return
            if posted is None:
                return
            self._last_post[key] = time.monotonic()


POSTER = Poster()


def start(services: Services) -> None:
    """Run the poster and look once for news planned before this process started."""
    POSTER.start()
    service.WAITING.add(services)
