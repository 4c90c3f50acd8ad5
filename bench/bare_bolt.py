"""The acknowledgement benchmark's baseline: a bare Bolt app whose one `/opportunity` command only acks.

It is served exactly as `python -m bot` serves the bot (bot.server.make_server, waitress with
WORKER_THREADS threads, bot.lifecycle.serve_http, a ListenerPool of the same size), with the same
signing secret, so the only difference the benchmark measures is what our app does before its ack.
Run by bench/ack_benchmark.py as `python -m bench.bare_bolt --port N --slack-api-url URL --db-url URL`.
"""

from __future__ import annotations

import argparse
import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot import lifecycle
from bot.server import make_server
from bot.settings import Settings
from bot.workers import ListenerPool
from storage.db import Database

WORKER_THREADS = Settings.model_fields["worker_threads"].default


def bare_app(signing_secret: str, slack_api_url: str, listeners: ListenerPool) -> App:
    """Bolt with nothing of ours: verifies the signature, authorises once (auth.test at the stand-in), acks."""
    app = App(
        client=WebClient(token="xoxb-bench", base_url=slack_api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        listener_executor=listeners,
    )

    @app.command("/opportunity")
    def opportunity(ack) -> None:
        ack()

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument("--db-url", required=True, help="only for /healthz, as make_server wants one")
    parser.add_argument("--signing-secret", default="bench")
    parser.add_argument("--threads", type=int, default=WORKER_THREADS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    listeners = ListenerPool(args.threads)
    app = bare_app(args.signing_secret, args.slack_api_url, listeners)
    server = make_server(app, Database(args.db_url), "127.0.0.1", args.port, threads=args.threads)
    return lifecycle.serve_http(server, listeners, None, 5.0, lifecycle.stop_requested())


if __name__ == "__main__":
    raise SystemExit(main())
