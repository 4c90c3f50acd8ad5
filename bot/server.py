"""HTTP mode: one WSGI app serving POST /slack/events, GET /healthz, GET /metrics and GET /crm/oauth/callback
(where a CRM sends an admin's browser back), run by waitress. In Socket Mode the same server, without the
Slack route, listens on PORT for the callback, /healthz and /metrics, when a CRM's OAuth app is configured."""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillWaiting
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import metrics
from bot.services.crm_connect import CALLBACK_PATH as CRM_CALLBACK_PATH
from bot.workers import PEOPLE
from storage.db import Database, DatabaseUnavailable

log = logging.getLogger("pipeline_coach")

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


def make_wsgi(app: App, db: Database, services=None, slack_events: bool = True):
    """The bot's HTTP surface; `services` serve the CRM's OAuth callback (none: no such route), and
    `slack_events=False` leaves Slack's route out (Socket Mode: Slack comes over the socket, signed there)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    probe = HealthProbe(db)
    numbers = metrics.wsgi_app()

    def wsgi(environ, start_response):
        if services is not None and environ.get("PATH_INFO") == CRM_CALLBACK_PATH:
            if environ.get("REQUEST_METHOD") != "GET":  # a HEAD (a link checker) must not use the state up
                return _page(start_response, "405 Method Not Allowed", "<p>Open this address in a browser.</p>")
            return _page(start_response, *crm_callback(services, environ.get("QUERY_STRING", "")))
        if environ.get("PATH_INFO") == metrics.METRICS_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return numbers(environ, start_response)
        if not slack_events and environ.get("PATH_INFO") != "/healthz":
            return _page(start_response, "404 Not Found", "<p>Nothing here.</p>")
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


def crm_callback(services, query: str) -> tuple[str, str]:
    """The CRM sent the admin's browser back: (HTTP status, the page saying how it went)."""
    from bot.messages.crm_connect import page
    from bot.services.crm_connect import finish

    values = {name: found[0] for name, found in parse_qs(query).items() if found}
    try:
        done = finish(services, values.get("state", ""), values.get("code", ""), values.get("error"))
    except DatabaseUnavailable:
        log.warning("a CRM connection came back while the database was unavailable")
        return "503 Service Unavailable", page(False, "Pipeline Coach can't save the connection just now. Press "
                                                      "Connect in Slack again in a minute.")  # fmt: skip
    return ("200 OK" if done.connected else "400 Bad Request"), page(done.connected, done.message)


def _page(start_response, status: str, body: str):
    data = body.encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))),
               ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")]  # fmt: skip
    start_response(status, headers)
    return [data]


def make_server(
    app: App, db: Database, host: str, port: int, threads: int = 8, services=None, slack_events: bool = True
):
    """A waitress server (threaded, production-grade) ready for bot.lifecycle.serve_http()."""
    from waitress import create_server

    wsgi = make_wsgi(app, db, services, slack_events)
    server = create_server(wsgi, host=host, port=port, threads=threads, ident="pipeline-coach")
    tasks = server.task_dispatcher.queue  # requests read and waiting for one of the `threads`
    PEOPLE.count_queued(lambda: len(tasks))
    return server
