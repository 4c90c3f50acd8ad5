"""A local Slack for the fan-out and acknowledgement benchmarks: answers after a fixed latency and enforces
per-method limits the way Slack does (a token bucket per method; past it, 429 with Retry-After). Counts
every call. chat.postMessage is also held to Slack's one message a second per channel (with a burst), the
rule a team channel's celebrations meet. Posts to `response_url` (a slash command's replies) are answered
without a Web API limit."""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bot.ratelimit import BURST_SECONDS, DEFAULT_PER_MINUTE, PER_MINUTE
from storage.db import Database

PER_CHANNEL_PER_MINUTE = 60  # chat.postMessage: "1 message per second to a specific channel"


class Bucket:
    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * BURST_SECONDS)
        self.tokens, self.stamp = self.capacity, time.monotonic()

    def take(self) -> float:
        """0 if a call may go now, else the seconds until it may (Slack's Retry-After)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class LimitedSlack:
    """Slack's Web API for one workspace of `people`, all in New York: users.list in pages of 1,000."""

    def __init__(self, people: list[str], latency: float, speedup: float, page: int = 1000) -> None:
        self.people, self.latency, self.page = people, latency, page
        self.per_minute = {method: limit * speedup for method, limit in PER_MINUTE.items()}
        self.default = DEFAULT_PER_MINUTE * speedup
        self.calls: Counter = Counter()
        self.limited: Counter = Counter()
        self.delivered: Counter = Counter()
        self.responses = 0  # posts to a slash command's response_url: no Web API limit applies
        self.last_delivery = 0.0
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/response"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear(), self.limited.clear(), self.delivered.clear()
            self._buckets.clear()
            self.responses = 0
            self.last_delivery = 0.0

    def _answer(self, method: str, args: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls[method] += 1
            bucket = self._buckets.setdefault(method, Bucket(self.per_minute.get(method, self.default)))
            wait = bucket.take()
            channel = str(args.get("channel") or "")
            if not wait and method == "chat.postMessage" and not channel.startswith("D"):
                wait = self._buckets.setdefault(f"channel:{channel}", Bucket(PER_CHANNEL_PER_MINUTE)).take()
            if wait:
                self.limited[method] += 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))}
        time.sleep(self.latency)
        if method == "users.list":
            start = int(args.get("cursor") or 0)
            members = [
                {"id": user, "tz": "America/New_York", "deleted": False}
                for user in self.people[start : start + self.page]
            ]
            more = start + self.page < len(self.people)
            cursor = str(start + self.page) if more else ""
            return 200, {"ok": True, "members": members, "response_metadata": {"next_cursor": cursor}}, {}
        if method == "users.info":
            return 200, {"ok": True, "user": {"id": args.get("user"), "tz": "America/New_York"}}, {}
        if method == "chat.postMessage":
            with self._lock:
                self.delivered[args.get("channel")] += 1
                self.last_delivery = time.monotonic()
            return 200, {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}}, {}
        if method == "conversations.history":
            return 200, {"ok": True, "messages": []}, {}
        return 200, {"ok": True}, {}

    def _respond(self) -> tuple[int, dict, dict]:
        with self._lock:
            self.responses += 1
        time.sleep(self.latency)
        return 200, {"ok": True}, {}

    def _handler(self):
        slack = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                url = urlparse(self.path)
                if "json" in self.headers.get("Content-Type", "") and raw:
                    args = json.loads(raw)
                else:
                    query = parse_qs(raw or url.query, keep_blank_values=True)
                    args = {key: values[-1] for key, values in query.items()}
                if url.path.startswith("/api/"):
                    status, body, headers = slack._answer(url.path.removeprefix("/api/"), args)
                else:
                    status, body, headers = slack._respond()
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the bot was stopped mid-call
                    return

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args) -> None:
                return

        return Handler

    def bound(self, reps: int) -> float:
        """Seconds Slack's limits alone need to deliver `reps` DMs from a cold zone cache: the directory's
        pages, then the posts, each past its bucket's burst."""
        pages = math.ceil(len(self.people) / self.page)
        listing, posting = Bucket(self.per_minute["users.list"]), Bucket(self.per_minute["chat.postMessage"])
        return max(0.0, pages - listing.capacity) / listing.rate + max(0.0, reps - posting.capacity) / posting.rate


def add_options(parser: argparse.ArgumentParser, speedup: float) -> None:
    """The options of a run through this local Slack: its answer latency, the rate limits' speed-up, and
    a database of the run's own."""
    parser.add_argument("--latency", type=float, default=0.05, help="seconds Slack takes to answer (0.05)")
    parser.add_argument(
        "--speedup", type=float, default=speedup, help=f"multiply every rate limit by this ({speedup:g})"
    )
    parser.add_argument("--database-url", help="a database of its own (default: a temporary SQLite file)")


@contextmanager
def seeded_run(
    args: argparse.Namespace, file_name: str, seed: Callable[[Database], list[str]], limits: str
) -> Iterator[tuple[str, Database, list[str], LimitedSlack, str]]:
    """A run through this local Slack: the run's database (--database-url, else a SQLite file in a temporary
    folder) seeded by `seed`, which returns the people, and the Slack that knows them; both closed after.
    Yields (database url, database, people, Slack, the temporary folder)."""
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / file_name}"
        db = Database(url)
        print(f"Seeding {args.reps:,} reps in {db.dialect}; Slack answers after {args.latency * 1000:.0f} ms; {limits}")
        people = seed(db)
        slack = LimitedSlack(people, args.latency, args.speedup)
        try:
            yield url, db, people, slack, folder
        finally:
            slack.stop()
            db.dispose()
