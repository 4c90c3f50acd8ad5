"""A local stand-in for Slack's Web API and response_url endpoints, so tests never talk to the real Slack."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str  # Web API method name, or "response_url" for replies to a response_url
    args: dict
    headers: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class Answer:
    body: dict
    status: int = 200
    headers: dict = field(default_factory=dict)


DEFAULTS: dict[str, Callable[[dict], dict]] = {
    "auth.test": lambda args: {"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "BBOT"},
    "chat.postMessage": lambda args: {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"},
    "chat.postEphemeral": lambda args: {"ok": True, "message_ts": f"{time.time():.6f}"},
    "conversations.open": lambda args: {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}},
    "views.open": lambda args: {"ok": True, "view": {"id": "V1"}},
    "views.update": lambda args: {"ok": True, "view": {"id": "V1"}},
    "views.publish": lambda args: {"ok": True, "view": {"id": "V1"}},
    "files.getUploadURLExternal": lambda args: {
        "ok": True,
        "upload_url": f"{args['_base']}upload/F{args.get('filename', 'x')}",
        "file_id": "F" + str(args.get("filename", "x")),
    },
    "files.completeUploadExternal": lambda args: {"ok": True, "files": [{"id": "F1", "title": "export"}]},
    "usergroups.users.list": lambda args: {"ok": True, "users": []},
    # An empty directory by default: every rep is then one the list "missed", read with users.info.
    "users.list": lambda args: {"ok": True, "members": [], "response_metadata": {"next_cursor": ""}},
    "users.info": lambda args: {
        "ok": True,
        "user": {"id": args.get("user"), "tz": "America/New_York", "tz_offset": -18000, "deleted": False},
    },
}


class SlackStandIn:
    """Records every call; answers with Slack-shaped defaults, or with answers queued per method."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._queued: dict[str, list[Answer]] = {}
        self._overrides: dict[str, Callable[[dict], dict]] = {}
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    @property
    def response_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/respond/hook"

    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def queue(self, method: str, body: dict, status: int = 200, headers: dict | None = None) -> None:
        """The next call to `method` gets this answer (e.g. a 429 with Retry-After), then defaults resume."""
        self._queued.setdefault(method, []).append(Answer(body, status, headers or {}))

    def always(self, method: str, answer: Callable[[dict], dict]) -> None:
        self._overrides[method] = answer

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self._queued.clear()
        self._overrides.clear()

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls of `method` arrived (work after ack happens on another thread)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({call.method for call in self.calls})
                    raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)}; saw {seen}")
                self._lock.wait(remaining)

    def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Wait until no call has arrived for `quiet` seconds: to assert that nothing more is sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = self.calls[-1].at if self.calls else 0.0
            if time.monotonic() - last >= quiet:
                return
            time.sleep(quiet / 3)

    def _history(self, channel: str) -> list[dict]:
        """The DM's messages, newest first, as Slack keeps them: a post to U123 lands in the DM D123."""
        posted = []
        for call in self.of("chat.postMessage"):
            target = str(call.args.get("channel", ""))
            if target == channel or (target.startswith("U") and "D" + target[1:] == channel):
                message = {"type": "message", "text": call.args.get("text", ""), "ts": f"{call.at:.6f}"}
                if isinstance(call.args.get("metadata"), dict):
                    message["metadata"] = call.args["metadata"]
                posted.append(message)
        return list(reversed(posted))

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _answer(self, method: str, args: dict) -> Answer:
        queued = self._queued.get(method)
        if queued:
            return queued.pop(0)
        args = {**args, "_base": self.base_url.removesuffix("api/")}
        if method in self._overrides:
            return Answer(self._overrides[method](args))
        if method == "conversations.history":
            return Answer({"ok": True, "messages": self._history(str(args.get("channel", ""))), "has_more": False})
        if method in DEFAULTS:
            return Answer(DEFAULTS[method](args))
        return Answer({"ok": True})

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                path = urlparse(self.path).path
                args = _decode(raw, self.headers.get("Content-Type", ""))
                if path.startswith("/upload/"):
                    stand_in._record(Call("file_upload", {"path": path, "body": raw}, dict(self.headers)))
                    self._reply(Answer({"ok": True}))
                    return
                if path.startswith("/respond/"):
                    stand_in._record(Call("response_url", args, dict(self.headers)))
                    self._reply(Answer({"ok": True}))
                    return
                method = path.removeprefix("/api/")
                answer = stand_in._answer(method, args)
                stand_in._record(Call(method, args, dict(self.headers)))
                self._reply(answer)

            do_GET = do_POST  # noqa: N815

            def _reply(self, answer: Answer) -> None:
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, str(value))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                return

        return Handler


def _decode(raw: str, content_type: str) -> dict:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    if "multipart" in content_type:
        return {"multipart": raw}
    args = {key: values[-1] for key, values in parse_qs(raw, keep_blank_values=True).items()}
    for key in ("blocks", "view", "attachments"):
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args
