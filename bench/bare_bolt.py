"""The acknowledgement benchmark's baseline: a bare Bolt app whose one `/opportunity` command only acks
(or, with `--store`, first stores the command's text in a table of its own, as the floor for an entry
that must be saved before its ack).

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
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bot import lifecycle
from bot.server import make_server
from bot.settings import Settings
from bot.workers import ListenerPool
from storage.db import Database

WORKER_THREADS = Settings.model_fields["worker_threads"].default


ENTRIES = Table(
    "bare_entries",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("team_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("text", String(4000), nullable=False),
)


def bare_app(signing_secret: str, slack_api_url: str, listeners: ListenerPool, store: Database | None = None) -> App:
    """Bolt with nothing of ours: verifies the signature, authorises once (auth.test at the stand-in), acks;
    with `store`, one INSERT committed before the ack (the least any app that keeps an entry must do)."""
    app = App(
        client=WebClient(token="xoxb-bench", base_url=slack_api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        listener_executor=listeners,
    )

    @app.command("/opportunity")
    def opportunity(ack, command) -> None:
        if store is not None:
            with store.engine.begin() as connection:
                connection.execute(
                    insert(ENTRIES).values(team_id=command["team_id"], user_id=command["user_id"], text=command["text"])
                )
        ack()

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument("--db-url", required=True, help="only for /healthz, as make_server wants one")
    parser.add_argument("--signing-secret", default="bench")
    parser.add_argument("--threads", type=int, default=WORKER_THREADS)
    parser.add_argument("--store", action="store_true", help="store each command in --db-url before its ack")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    listeners = ListenerPool(args.threads)
    db = Database(args.db_url)
    if args.store:
        ENTRIES.drop(db.engine, checkfirst=True)
        ENTRIES.create(db.engine)
    app = bare_app(args.signing_secret, args.slack_api_url, listeners, db if args.store else None)
    server = make_server(app, db, "127.0.0.1", args.port, threads=args.threads)
    return lifecycle.serve_http(server, listeners, None, 5.0, lifecycle.stop_requested(), db.dialect)


if __name__ == "__main__":
    raise SystemExit(main())
