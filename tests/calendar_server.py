"""A local calendar feed server (127.0.0.1, never the internet) and an ICS writer for the tests and the
benchmark: feeds with ETag / Last-Modified (answering 304 to a matching conditional request), slow and
failing answers, and whatever bytes a test wants to serve."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Feed:
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    delay: float = 0.0
    content_type: str = "text/calendar; charset=utf-8"


@dataclass
class Served:
    path: str
    status: int
    conditional: bool
    bytes: int


@dataclass
class CalendarServer:
    feeds: dict[str, Feed] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)
    serve_seconds: float = 0.0  # time spent writing bodies (the server's own cost of the bytes)

    def start(self) -> CalendarServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self._lock = threading.Lock()
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/{path.lstrip('/')}"

    def serve(self, path: str, body: bytes | str, **options) -> str:
        self.feeds["/" + path.lstrip("/")] = Feed(body.encode() if isinstance(body, str) else body, **options)
        return self.url(path)

    def requests(self, path: str) -> list[Served]:
        return [hit for hit in self.served if hit.path == "/" + path.lstrip("/")]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return

            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                feed = server.feeds.get(self.path.split("?", 1)[0])
                if feed is None:
                    return self._answer(404, b"not found", "text/plain", False)
                if feed.delay:
                    time.sleep(feed.delay)
                conditional = bool(
                    (feed.etag and self.headers.get("If-None-Match") == feed.etag)
                    or (feed.last_modified and self.headers.get("If-Modified-Since") == feed.last_modified)
                )
                if feed.status == 200 and conditional:
                    return self._answer(304, b"", None, True, feed)
                return self._answer(feed.status, feed.body, feed.content_type, False, feed)

            def _answer(self, status, body, content_type, conditional, feed: Feed | None = None) -> None:
                with server._lock:  # recorded before the answer leaves, so a test reading it never races it
                    server.served.append(Served(self.path, status, conditional, len(body)))
                started = time.perf_counter()
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if feed and feed.etag:
                    self.send_header("ETag", feed.etag)
                if feed and feed.last_modified:
                    self.send_header("Last-Modified", feed.last_modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                with server._lock:
                    server.serve_seconds += time.perf_counter() - started

        return Handler


# ---- writing ICS -------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event(
    uid: str,
    start: datetime | str,
    minutes: int = 60,
    title: str = "Meeting",
    attendees: tuple[tuple[str, str], ...] = (),
    organizer: str | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """One VEVENT; `start` aware (written in UTC) or an ICS value with its parameters ("TZID=…:…")."""
    if isinstance(start, datetime):
        times = [f"DTSTART:{stamp(start)}", f"DTEND:{stamp(start + timedelta(minutes=minutes))}"]
    else:
        times = [f"DTSTART;{start}" if "=" in start.split(":")[0] else f"DTSTART:{start}", f"DURATION:PT{minutes}M"]
    people = [f"ATTENDEE;PARTSTAT={answer}:mailto:{email}" for email, answer in attendees]
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", *times, f"SUMMARY:{title}", *people]
    if organizer:
        lines.append(f"ORGANIZER:mailto:{organizer}")
    return "\r\n".join([*lines, *extra, "END:VEVENT"])


def calendar(*events: str, name: str | None = None, zones: tuple[str, ...] = ()) -> str:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Pipeline Coach tests//EN"]
    if name:
        head.append(f"X-WR-CALNAME:{name}")
    return "\r\n".join([*head, *zones, *events, "END:VCALENDAR"]) + "\r\n"


NEW_YORK = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE""".replace("\n", "\r\n")
