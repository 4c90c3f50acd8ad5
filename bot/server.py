"""HTTP mode: one WSGI app serving POST /slack/events, GET /healthz and GET /metrics, run by waitress."""

from __future__ import annotations

import contextvars
import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillWaiting

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import metrics
from bot.workers import PEOPLE
from storage.db import Database

EVENTS_PATH = "/slack/events"
HEALTH_TIMEOUT = 0.8  # seconds: /healthz answers within a second whatever the database does


class HealthProbe:
    """Asks the database on a thread of its own: the request waits HEALTH_TIMEOUT at most, and while an
    earlier probe still hangs, no new one is started (a hung database cannot eat the server's threads)."""

    def __init__(self, db: Database, timeout: float = HEALTH_TIMEOUT) -> None:
        self.db = db
        self.timeout = timeout
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
        self._running: Future | None = None
        self._lock = threading.Lock()

    def problem(self) -> str | None:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._runner.submit(self.db.problem, self.timeout)
            running = self._running
        try:
            return running.result(timeout=self.timeout)
        except StillWaiting:
            return f"the database did not answer within {self.timeout:.1f} s"


def make_wsgi(app: App, db: Database):
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    probe = HealthProbe(db)
    numbers = metrics.wsgi_app()

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == metrics.METRICS_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return numbers(environ, start_response)
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            problem = probe.problem()
            answer = {"ok": problem is None, "database": "reachable" if problem is None else "unreachable"}
            if problem is not None:
                answer["reason"] = problem
            body = json.dumps(answer).encode()
            status = "200 OK" if problem is None else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        with PEOPLE.answering():  # background work steps aside until this request is answered
            # in a context of its own: what the request sets (its log fields, its budget) ends with it
            return contextvars.copy_context().run(slack, environ, start_response)

    return wsgi


def make_server(app: App, db: Database, host: str, port: int, threads: int = 8):
    """A waitress server (threaded, production-grade) ready for bot.lifecycle.serve_http()."""
    from waitress import create_server

    server = create_server(make_wsgi(app, db), host=host, port=port, threads=threads, ident="pipeline-coach")
    tasks = server.task_dispatcher.queue  # requests read and waiting for one of the `threads`
    PEOPLE.count_queued(lambda: len(tasks))
    return server
