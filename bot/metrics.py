"""Every number GET /metrics shows, in one place, through the official prometheus-client.

Each process serves its own registry (prometheus-client's default, with the process's CPU, memory and
Python figures beside ours): in a deployment of several instances, scrape each one; counters and
histograms add up across them in PromQL (sum by ...). The outbox and the CRM syncs are read from the
shared database at scrape time, so every instance reports the same figures for them.

Labels stay bounded: a surface is one of SURFACES, an outcome one of OUTCOMES, a job one of bot/jobs'
names, a Slack method one the code calls, an answer one of ANSWERS. The one per-workspace label is the
CRM sync's age: a deployment serves a few workspaces (one, or the handful installed by link), and only
those with a CRM connected have a sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from storage import metrics as figures
from storage.db import Database

log = logging.getLogger("pipeline_coach.metrics")

METRICS_PATH = "/metrics"
COMMAND, ACTION, VIEW, EVENT, SHORTCUT, OTHER = "command", "action", "view", "event", "shortcut", "other"
SURFACES = (COMMAND, ACTION, VIEW, EVENT, SHORTCUT, OTHER)
STORED, REFUSED, FAILED, LATE = "stored", "refused", "failed", "late"
OUTCOMES = (STORED, REFUSED, FAILED, LATE)
OK, ERROR, RATE_LIMITED = "ok", "error", "429"
ANSWERS = (OK, ERROR, RATE_LIMITED)
DATABASE_READ_EVERY = 15.0  # seconds: scrapes closer together than this get the last read's figures

_SURFACE_OF_TYPE = {
    "block_actions": ACTION,
    "interactive_message": ACTION,
    "block_suggestion": ACTION,
    "view_submission": VIEW,
    "view_closed": VIEW,
    "event_callback": EVENT,
    "shortcut": SHORTCUT,
    "message_action": SHORTCUT,
}

_HISTOGRAMS = {  # name after "pipeline_coach_": (what it measures, its label, bucket bounds in seconds)
    "ack_seconds": (
        "From a Slack request reaching the app to its acknowledgement (Slack waits 3 s)",
        "surface",
        (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0),
    ),
    "job_tick_seconds": (
        "How long one run of a scheduled job took",
        "job",
        (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0),
    ),
}
ACK_SECONDS, JOB_TICK_SECONDS = (
    Histogram(f"pipeline_coach_{name}", what, [label], buckets=buckets)
    for name, (what, label, buckets) in _HISTOGRAMS.items()
)
REQUESTS = Counter(
    "pipeline_coach_requests",
    "People's requests by what became of them: stored, refused (bad input, told what to type), failed "
    "(nothing or not all of it done, told so), late (acknowledged after Slack's window)",
    ["surface", "outcome"],
)
SLOT_LATE_SECONDS = Gauge(
    "pipeline_coach_slot_last_message_late_seconds",
    "How long after its due time the last message of the job's latest slot went out (by this process)",
    ["job"],
)
SLACK_CALLS = Counter(
    "pipeline_coach_slack_api_calls", "Slack Web API answers by method: ok, error or 429", ["method", "answer"]
)
HUBSPOT_CALLS = Counter("pipeline_coach_hubspot_calls", "HubSpot API answers: ok, error or 429", ["answer"])

_surface: ContextVar[str] = ContextVar("request_surface", default=OTHER)


def surface_of(body: dict) -> str:
    """Which surface of the app a Slack request came from, as one of SURFACES."""
    if body.get("command"):
        return COMMAND
    return _SURFACE_OF_TYPE.get(str(body.get("type") or ""), OTHER)


def start_request(surface: str) -> None:
    """From here on in this context (the listener's thread gets a copy), outcomes count for this surface."""
    _surface.set(surface)


def acknowledged(seconds: float, late: bool) -> None:
    surface = _surface.get()
    ACK_SECONDS.labels(surface).observe(seconds)
    if late:
        REQUESTS.labels(surface, LATE).inc()


def request_ended(outcome: str) -> None:
    REQUESTS.labels(_surface.get(), outcome).inc()


@contextmanager
def job_tick(job: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        JOB_TICK_SECONDS.labels(job).observe(time.perf_counter() - started)


def slot_sent_late(job: str, seconds: float) -> None:
    SLOT_LATE_SECONDS.labels(job).set(max(0.0, seconds))


def slack_answered(method: str, status: int | None, ok: bool) -> None:
    answer = RATE_LIMITED if status == 429 else OK if ok else ERROR
    SLACK_CALLS.labels(method, answer).inc()


def hubspot_answered(status: int | None) -> None:
    """`status`: the HTTP status (None: no answer, the connection failed)."""
    HUBSPOT_CALLS.labels(RATE_LIMITED if status == 429 else OK if status and status < 400 else ERROR).inc()


class DatabaseFigures(Collector):
    """The outbox by kind and state and each workspace's CRM sync age, read from the database when scraped:
    one aggregate statement for the outbox, one small read of the sync states, at most once per
    DATABASE_READ_EVERY seconds however often Prometheus (or several of them) scrapes."""

    def __init__(self, every: float = DATABASE_READ_EVERY) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._db: Database | None = None
        self._clock: Callable[[], datetime] | None = None
        self._read_at = float("-inf")
        self._last: list[GaugeMetricFamily] = []

    def watch(self, db: Database, clock: Callable[[], datetime]) -> None:
        with self._lock:
            self._db, self._clock, self._read_at, self._last = db, clock, float("-inf"), []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            if self._db is not None and time.monotonic() - self._read_at >= self.every:
                try:
                    self._last = self._read(self._db, self._clock())
                except Exception as error:  # a scrape never fails for the database: the last figures stand
                    log.warning("metrics: could not read the outbox from the database: %s", error)
                self._read_at = time.monotonic()
            families = list(self._last)
        yield from families

    @staticmethod
    def _read(db: Database, now: datetime) -> list[GaugeMetricFamily]:
        rows = GaugeMetricFamily(
            "pipeline_coach_outbox_rows", "Outbox rows not yet done, by kind and state", labels=["kind", "state"]
        )
        overdue = GaugeMetricFamily(
            "pipeline_coach_outbox_oldest_overdue_seconds",
            "How long the oldest outbox row of each kind and state has waited past its due, retry or claim time",
            labels=["kind", "state"],
        )
        for group in figures.outbox_states(db):
            rows.add_metric([group.kind, group.state], group.rows)
            waited = (now - group.oldest).total_seconds() if group.oldest else 0.0
            overdue.add_metric([group.kind, group.state], max(0.0, waited))
        age = GaugeMetricFamily(
            "pipeline_coach_crm_last_good_sync_age_seconds",
            "Seconds since each workspace's last CRM sync that succeeded (+Inf: none yet)",
            labels=["workspace", "provider"],
        )
        for sync in figures.crm_syncs(db):
            since = sync.last_success_at
            age.add_metric([sync.team_id, sync.provider], (now - since).total_seconds() if since else float("inf"))
        return [rows, overdue, age]


DATABASE_FIGURES = DatabaseFigures()
REGISTRY.register(DATABASE_FIGURES)


def watch(db: Database, clock: Callable[[], datetime]) -> None:
    """Read the outbox and the CRM syncs from this database, with this clock, when scraped."""
    DATABASE_FIGURES.watch(db, clock)


def wsgi_app():
    """GET /metrics as a WSGI app (HTTP mode serves it on PORT beside /slack/events)."""
    return make_wsgi_app(REGISTRY)


def serve(port: int) -> None:
    """Socket Mode: GET /metrics on METRICS_PORT, on a daemon thread of its own. OSError if it is taken."""
    start_http_server(port, registry=REGISTRY)
