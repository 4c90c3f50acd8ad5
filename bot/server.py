"""HTTP mode: one WSGI app serving POST /slack/events and GET /healthz, run by waitress."""

from __future__ import annotations

import json

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from storage.db import Database

EVENTS_PATH = "/slack/events"


def make_wsgi(app: App, db: Database):
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = db.is_reachable()
            body = json.dumps({"ok": healthy, "database": "reachable" if healthy else "unreachable"}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return wsgi


def make_server(app: App, db: Database, host: str, port: int):
    """A waitress server (threaded, production-grade) ready for .run() or .close()."""
    from waitress import create_server

    return create_server(make_wsgi(app, db), host=host, port=port, threads=8, ident="pipeline-coach")
