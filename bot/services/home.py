"""The Home tab: what a rep's page shows (their health, open deals, last reflection), and publishing it,
on opening and after every change the rep makes (Services.changed is pointed at `republish_later`)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from slack_sdk.errors import SlackClientError

from bot.installations import NotInstalled
from bot.messages import home as views
from bot.messages.home import HomePage
from bot.ratelimit import background_work
from bot.services import Services, admin
from bot.services.health import build_health
from bot.services.outlook import rep_outlook
from bot.services.team import is_manager, team_view
from bot.workers import CALM_MOST_SECONDS, CALM_SECONDS, PEOPLE
from storage import answers, opportunities
from storage.db import DatabaseUnavailable

log = logging.getLogger("pipeline_coach.home")
HOME_ROWS = 50
PUBLISH = "views.publish"
# One thread: refreshes are heavy and nobody waits on them, so they take turns rather than the GIL from
# people whose requests arrive meanwhile (a refresh already queued for a rep covers later changes too).
_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="home")
_queued: dict[tuple[int, str, str], Future] = {}  # refreshes not started yet, by (services, team, rep)
_unfinished: set[Future] = set()
_queued_lock = threading.Lock()


def home_page(services: Services, team_id: str, user_id: str, ask_slack: bool = False) -> HomePage:
    """Everything on the page is the rep's own: their deals, their figures, their answers (a manager's
    team aside), read in one transaction, after Slack is asked what it knows about them."""
    asked = admin.is_admin if ask_slack else admin.known_admin
    is_admin = asked(services, team_id, user_id)
    team = team_view(services, team_id) if is_manager(services, user_id) else None
    with services.db.transaction():  # one connection and one round of begin and commit for the rep's reads
        listed, total = opportunities.open_opportunities(services.db, team_id, user_id, limit=HOME_ROWS)
        recent = [
            answer
            for answer in answers.recent_answers(services.db, team_id, user_id, limit=5)
            if answer.kind == answers.REFLECTION and answer.answer
        ]
        health = build_health(services, team_id, user_id)
        outlook = rep_outlook(services, team_id, user_id, health)
    return HomePage(
        health=health,
        opportunities=listed,
        open_total=total,
        last_reflection=recent[0] if recent else None,
        outlook=outlook,
        is_admin=is_admin,
        team=team,
    )


def publish_home(services: Services, team_id: str, user_id: str, opened: bool = False) -> None:
    """Render and publish one rep's Home; a failure is logged, never shown to anyone. When the rep opens
    it, Slack is asked whether they are an admin; a republish after a change uses what was last known."""
    try:
        services = services.for_team(team_id)  # its token and settings, even when called unscoped
        page = home_page(services, team_id, user_id, ask_slack=opened)
        view = views.home_view(page, services.team_now(), services.settings.currency_symbol)
        services.client.views_publish(user_id=user_id, view=view)
    except (SlackClientError, OSError) as error:  # Slack answered no, or could not be reached
        log.warning("could not publish the Home tab for %s: %s", user_id, error)
    except DatabaseUnavailable as error:
        log.warning("could not build the Home tab for %s: the database is unavailable (%s)", user_id, error)
    except Exception:
        log.exception("could not build the Home tab for %s", user_id)


def republish_later(services: Services):
    """The change signal's handler: refresh the rep's Home off the request thread. A refresh already
    queued for the rep and not yet started covers this change too (it reads the page when it runs), so a
    burst of changes costs one views.publish, not one each."""

    def republish(team_id: str, user_id: str) -> None:
        key = (id(services), team_id, user_id)
        with _queued_lock:
            if key in _queued:
                return
            _queued[key] = future = _publisher.submit(_publish_queued, services, key)
            _unfinished.add(future)
        future.add_done_callback(_finished)

    return republish


def _finished(future: Future) -> None:
    with _queued_lock:
        _unfinished.discard(future)


def _publish_queued(services: Services, key: tuple[int, str, str]) -> None:
    """One queued refresh: first its turn (Slack's pace for views.publish, then people's calm), then the
    page, read and sent at once, so the reading never waits on the pace and runs while nobody is typing."""
    try:
        _wait_for_room(services, key[1])
        PEOPLE.step_aside(CALM_MOST_SECONDS, CALM_SECONDS)  # nobody waits on a Home refresh: people's answers first
    finally:
        with _queued_lock:
            _queued.pop(key, None)  # from here on, a new change queues a refresh of its own
    publish_home(services, key[1], key[2])


def _wait_for_room(services: Services, team_id: str) -> None:
    """Until the workspace's client may call views.publish at once, leaving the calls kept for people (a
    Home they open). A workspace no longer reachable does not wait: publish_home says why it failed."""
    try:
        limiter = getattr(services.for_team(team_id).client, "limiter", None)
    except (NotInstalled, DatabaseUnavailable):
        return
    if limiter is not None:
        with background_work():
            limiter.wait_for_room(PUBLISH)


def wait_for_republishes(timeout: float) -> None:
    """Let the Home refreshes already queued finish (at most `timeout` seconds), before Slack's client
    goes away, so none of them fails for want of it."""
    with _queued_lock:
        unfinished = list(_unfinished)
    wait(unfinished, timeout=timeout)
