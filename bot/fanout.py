"""Delivering a slot's messages at Slack's pace: several sends at once under the rate limiter, batches
taken from the shared queue (storage/queue.py) oldest due first, and the batch's lease renewed while it
is being sent, so a long fan-out is never mistaken for an abandoned one by another instance.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from bot import metrics, slack_pace
from bot.delivery import WAITING, deliver
from bot.jobs.report import JobReport
from bot.ratelimit import background_work
from bot.services import Services
from bot.workers import PEOPLE
from storage import claims, queue

log = logging.getLogger("pipeline_coach.fanout")

MIN_BATCH = 10  # a batch is a few rounds of the workers: small enough that instances share a slot evenly
RENEW_EVERY = claims.LEASE / 4


class _Renewer:
    """Renews every claim held under one token, on a timer, until stopped."""

    def __init__(self, services: Services, token: str) -> None:
        self._services, self._token, self._every = services, token, RENEW_EVERY.total_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)

    def __enter__(self) -> _Renewer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                queue.renew(self._services.db, self._token, self._services.now())
            except Exception:  # the next renewal tries again; a lost lease is caught before each send
                log.exception("could not renew the fan-out's leases")


def posting_rate(services: Services) -> float:
    """chat.postMessage calls a minute the workspace's shared post budget allows every instance together."""
    rate, _ = slack_pace.budget(slack_pace.posts_per_minute(services))
    return rate * 60


def warn_if_late(services: Services, team_id: str, kind: str, window: timedelta) -> None:
    """Log how late the last message will be when the limits cannot deliver the queue within the window."""
    waiting, oldest = queue.pending_count(services.db, team_id, kind)
    if not waiting or oldest is None:
        return
    rate = posting_rate(services)
    finish = services.now() + timedelta(minutes=waiting / rate)
    late = finish - oldest
    if late > window:
        log.warning(
            "%s in %s: %s waiting; at Slack's pace of %d a minute the last goes out about %d min after it fell due "
            "(oldest first)",
            kind,
            team_id,
            waiting,
            rate,
            round(late.total_seconds() / 60),
        )


def _send(services: Services, claim: claims.Claim, now: datetime, starts_cooldown: bool) -> str:
    PEOPLE.step_aside()  # a person's request waiting for its answer goes first
    with background_work():
        return deliver(services, claim, now, starts_cooldown)


def send_all(
    services: Services, batch: Iterable[claims.Claim], now: datetime, report: JobReport, starts_cooldown: bool
) -> None:
    """Send claims already held (retries, takeovers) concurrently under the limiter."""
    batch = list(batch)
    if not batch:
        return
    waiting = 0
    with ThreadPoolExecutor(max_workers=services.settings.fanout_workers, thread_name_prefix="fanout") as pool:
        for outcome in pool.map(lambda claim: _send(services, claim, now, starts_cooldown), batch):
            report.count(outcome)
            waiting += outcome == WAITING
    if waiting:
        log.warning(
            "%s: %s message(s) may already be in Slack and wait until their DM's history can be read "
            "(SLACK_HISTORY_LIMIT=%s); they are not sent meanwhile",
            report.job,
            waiting,
            services.settings.slack_history_limit,
        )


def drain(
    services: Services,
    team_id: str,
    kind: str,
    render: queue.Renderer,
    now: datetime,
    report: JobReport,
    starts_cooldown: bool = False,
) -> None:
    """Take, render and send pending messages of one kind until none is left (other instances may share)."""
    token = claims.new_token()
    workers = services.settings.fanout_workers
    batch_size = max(MIN_BATCH, 4 * workers)
    in_flight: set[Future] = set()
    lateness = _Lateness(services)

    def settle(until: int) -> None:
        nonlocal in_flight
        while len(in_flight) > until:
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                report.count(future.result())

    with _Renewer(services, token), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
        while True:
            PEOPLE.step_aside()  # taking renders the batch: not while someone waits for an answer
            batch = queue.take(services.db, team_id, kind, batch_size, token, services.now(), lateness.noting(render))
            if not batch:
                break
            for claim in batch:  # each send in this thread's context: the job's and workspace's log fields
                in_context = contextvars.copy_context().run
                in_flight.add(pool.submit(in_context, lateness.sending, claim, now, starts_cooldown))
            settle(batch_size)  # at most one batch waits behind the one being sent: the rest stays shareable
        settle(0)
    lateness.report(report.job)


class _Lateness:
    """How late the last message of a slot went out after it fell due, for GET /metrics."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._due: dict[int, datetime | None] = {}
        self._last: tuple[datetime, float] | None = None  # (when the last message went out, how late)
        self._lock = threading.Lock()

    def noting(self, render: queue.Renderer) -> queue.Renderer:
        """The renderer, noting when each taken row fell due."""

        def rendering(taken: list[queue.Taken]):
            with self._lock:
                self._due.update((row.id, row.due_at) for row in taken)
            return render(taken)

        return rendering

    def sending(self, claim: claims.Claim, now: datetime, starts_cooldown: bool) -> str:
        outcome = _send(self._services, claim, now, starts_cooldown)
        due_at = self._due.get(claim.id)
        if outcome == claims.SENT and due_at is not None:
            moment = self._services.now()
            with self._lock:
                if self._last is None or moment >= self._last[0]:
                    self._last = (moment, (moment - due_at).total_seconds())
        return outcome

    def report(self, job: str) -> None:
        if self._last is not None:
            metrics.slot_sent_late(job, self._last[1])
