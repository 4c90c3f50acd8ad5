"""A local Slack for the fan-out, nudge and acknowledgement benchmarks: answers after a fixed latency and
enforces Slack's published limits on Slack's side, from its own table (SLACK_PER_MINUTE), never from the
bot's: no minute (a sliding minute, shortened by --speedup) holds more of a method's calls than Slack
allows per workspace; chat.postMessage also holds to one message a second per channel (DMs included);
conversations.history to one call a minute and 15 messages a call (commercially distributed apps outside
the Marketplace, since 29 May 2025), answering from the messages really posted to that DM (with their
metadata, `oldest` honoured, paged with a cursor). Past a limit: 429 with Retry-After. Counts every call. Posts to
`response_url` (a slash command's replies) are answered without a Web API limit."""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bot.sandbox.history_limit import history_page
from storage.db import Database

# Slack's published limits per workspace, calls a minute (api.slack.com/apis/rate-limits and each method's
# page): Tier 2 = 20, Tier 3 = 50, Tier 4 = 100; chat.postMessage "several hundred a minute" (600 taken).
SLACK_PER_MINUTE = {
    "chat.postMessage": 600,
    "chat.postEphemeral": 100,
    "users.list": 20,
    "users.info": 100,
    "conversations.open": 50,
    "conversations.history": 1,
    "views.open": 100,
    "views.update": 100,
    "views.publish": 100,
    "auth.test": 100,
}
SLACK_DEFAULT_PER_MINUTE = 50
PER_CHANNEL_PER_SECOND = 1  # chat.postMessage: "1 message per second to a specific channel"
HISTORY_MESSAGES = 15  # conversations.history's `limit` under the strict limit


class Window:
    """At most `count` calls in any `seconds`: Slack's "N per minute", read strictly."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self.calls: deque[float] = deque()

    def take(self) -> float:
        """0 if a call may go now, else the seconds until it may (Slack's Retry-After)."""
        now = time.monotonic()
        while self.calls and now - self.calls[0] >= self.seconds:
            self.calls.popleft()
        if len(self.calls) < self.count:
            self.calls.append(now)
            return 0.0
        return self.calls[0] + self.seconds - now


class LimitedSlack:
    """Slack's Web API for one workspace of `people`, all in New York: users.list in pages of 1,000.
    `speedup` shortens Slack's minute (and second) to 1/speedup of it, so a run shows in seconds what takes
    minutes at Slack's real pace."""

    def __init__(self, people: list[str], latency: float, speedup: float, page: int = 1000) -> None:
        self.people, self.latency, self.page = people, latency, page
        self.minute = 60.0 / speedup
        self.calls: Counter = Counter()
        self.limited: Counter = Counter()
        self.delivered: Counter = Counter()
        self.history_overreach = 0  # history calls asking for more than HISTORY_MESSAGES
        self.responses = 0  # posts to a slash command's response_url: no Web API limit applies
        self.last_delivery = 0.0
        self.spans: dict[str, list[float]] = {}  # method -> [first call, last call] (time.monotonic())
        self._windows: dict[str, Window] = {}
        self._posted: dict[str, list[dict]] = {}  # a DM's messages, oldest first
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
            self._windows.clear(), self._posted.clear()
            self.history_overreach = 0
            self.responses = 0
            self.last_delivery = 0.0
            self.spans.clear()

    def _window(self, name: str, count: int, seconds: float) -> Window:
        return self._windows.setdefault(name, Window(count, seconds))

    def _answer(self, method: str, args: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls[method] += 1
            moment = time.monotonic()
            self.spans.setdefault(method, [moment, moment])[1] = moment
            limit = SLACK_PER_MINUTE.get(method, SLACK_DEFAULT_PER_MINUTE)
            wait = self._window(method, limit, self.minute).take()
            channel = str(args.get("channel") or "")
            if not wait and method == "chat.postMessage":
                wait = self._window(f"channel:{channel}", PER_CHANNEL_PER_SECOND, self.minute / 60).take()
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
            channel, ts = str(args.get("channel")), f"{time.time():.6f}"
            message = {"type": "message", "ts": ts, "text": args.get("text", "")}
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if metadata:
                message["metadata"] = metadata
            with self._lock:
                self.delivered[channel] += 1
                self._posted.setdefault("D" + channel[1:], []).append(message)
                self.last_delivery = time.monotonic()
            return 200, {"ok": True, "channel": channel, "ts": ts}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}}, {}
        if method == "conversations.history":
            return 200, self._history(args), {}
        return 200, {"ok": True}, {}

    def _history(self, args: dict) -> dict:
        """A page of the DM's messages since `oldest`, newest first, at most HISTORY_MESSAGES of them."""
        with self._lock:
            if int(args.get("limit") or 100) > HISTORY_MESSAGES:
                self.history_overreach += 1
            newest_first = list(reversed(self._posted.get(str(args.get("channel")), [])))
        return history_page(args, newest_first, HISTORY_MESSAGES)

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
        pages, then the posts, a minute's worth of each at most in any minute (the last minute's calls may
        all go at its start)."""
        pages = math.ceil(len(self.people) / self.page)
        listing = max(0, math.ceil(pages / SLACK_PER_MINUTE["users.list"]) - 1)
        posting = max(0, math.ceil(reps / SLACK_PER_MINUTE["chat.postMessage"]) - 1)
        return (listing + posting) * self.minute


def add_options(parser: argparse.ArgumentParser, speedup: float) -> None:
    """The options of a run through this local Slack: its answer latency, the rate limits' speed-up, and
    a database of the run's own."""
    parser.add_argument("--latency", type=float, default=0.05, help="seconds Slack takes to answer (0.05)")
    parser.add_argument(
        "--speedup", type=float, default=speedup, help=f"Slack's minute lasts 60/this seconds ({speedup:g})"
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
