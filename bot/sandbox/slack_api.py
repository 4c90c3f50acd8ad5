"""The embedded Slack: a local HTTP server answering Slack's Web API (`/api/<method>`), response URLs
(`/respond/<token>`) and file uploads (`/upload/<id>`), so the bot runs with no real Slack at all.

One server serves both the sandbox and the tests:
- with a Workspace (the sandbox), answers come from its state, with Slack's real errors and limits;
- without one (tests/stand_in.py), it answers every call with a Slack-shaped success.
Either way every call is recorded, and tests can queue an answer (a 429 with Retry-After) or replace a
method's answers. Extra routes (the sandbox's page) can be mounted with `pages`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from bot.sandbox import web_api
from bot.sandbox.history_limit import HistoryLimit
from bot.sandbox.installs import Installable, Installs
from bot.sandbox.served import Served, local_server, read_request, reply
from bot.sandbox.stand_in_files import StandInFiles
from bot.sandbox.workspace import Workspace


@dataclass
class Call:
    method: str  # Web API method name, or "response_url" for replies to a response_url
    args: dict
    headers: dict
    at: float = field(default_factory=time.monotonic)
    path: str = ""
    stamp: float = 0.0  # when, on the stand-in's history clock (a message's ts)


@dataclass
class Answer:
    body: dict
    status: int = 200
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    raw: bytes | None = None  # a page or a file instead of JSON


# Without a workspace: every method succeeds, shaped as Slack shapes it.
DEFAULTS: dict[str, Callable[[dict], dict]] = {
    "auth.test": lambda args: {"ok": True, "user_id": "UBOT", "team_id": args.get("_team") or "T1", "bot_id": "BBOT"},
    "conversations.join": lambda args: {"ok": True, "channel": {"id": args.get("channel")}},
    "usergroups.list": lambda args: {"ok": True, "usergroups": []},
    "chat.postMessage": lambda args: {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"},
    "chat.postEphemeral": lambda args: {"ok": True, "message_ts": f"{time.time():.6f}"},
    "conversations.open": lambda args: {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}},
    "views.open": lambda args: {"ok": True, "view": {"id": "V1"}},
    "views.update": lambda args: {"ok": True, "view": {"id": "V1"}},
    "views.publish": lambda args: {"ok": True, "view": {"id": "V1"}},
    "usergroups.users.list": lambda args: {"ok": True, "users": []},
    # An empty directory by default: every rep is then one the list "missed", read with users.info.
    "users.list": lambda args: {"ok": True, "members": [], "response_metadata": {"next_cursor": ""}},
    "users.info": lambda args: {
        "ok": True,
        "user": {
            "id": args.get("user"),
            "tz": "America/New_York",
            "tz_offset": -18000,
            "deleted": False,
            "is_admin": args.get("user") in args.get("_admins", ()),
        },
    },
}

# A page route: (method, path, query, body bytes, headers) -> an Answer, or None when it is not ours.
Pages = Callable[[str, str, dict, bytes, dict], "Answer | None"]


class SlackStandIn(Served):
    """Records every call; answers from the workspace (or with defaults), or with answers queued per method."""

    def __init__(self, workspace: Workspace | None = None, port: int = 0, pages: Pages | None = None) -> None:
        self.workspace = workspace
        self.pages = pages
        self.calls: list[Call] = []
        self._queued: dict[str, list[Answer]] = {}
        self._overrides: dict[str, Callable[[dict], dict]] = {}
        self.installs = Installs()  # workspaces that may install the app by link
        self.admins: set[str] = set()  # users whom users.info calls workspace admins
        self.history = HistoryLimit()  # conversations.history's strict limit, on Slack's side
        self.uploads = StandInFiles()  # files started, their bytes, where each was shared (no workspace)
        self._lock = threading.Condition()
        self.serve(local_server(self._handler(), port))
        if workspace is not None:
            workspace.base_url = self.base_url.removesuffix("api/")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def response_url(self) -> str:
        return self.response_url_for("hook")

    def response_url_for(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{token}"

    def queue(self, method: str, body: dict, status: int = 200, headers: dict | None = None) -> None:
        """The next call to `method` gets this answer (e.g. a 429 with Retry-After), then defaults resume."""
        self._queued.setdefault(method, []).append(Answer(body, status, headers or {}))

    def always(self, method: str, answer: Callable[[dict], dict]) -> None:
        self._overrides[method] = answer

    def add_workspace(
        self, team_id: str, *, rotating: bool = False, expires_in: int = 12 * 3600, enterprise_id: str | None = None
    ) -> Installable:
        """A workspace whose install by link Slack will grant: `code` is what its redirect carries."""
        return self.installs.add(team_id, rotating, expires_in, enterprise_id)

    @property
    def workspaces(self) -> dict[str, Installable]:
        return self.installs.workspaces

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self._queued.clear()
        self._overrides.clear()
        self.installs = Installs()
        self.admins.clear()
        self.history.reset()
        self.uploads = StandInFiles()

    def reset_calls(self) -> None:
        """Forget the calls so far (after the work in flight, such as Home republishes, has landed),
        keeping the workspaces and answers set up."""
        self.settle()
        with self._lock:
            self.calls.clear()

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0, channel: str | None = None) -> list[Call]:
        """Block until `count` calls of `method` arrived (work after ack happens on another thread), only
        those to `channel` if given (a rep's DMs, say, apart from the channel's celebrations)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    call
                    for call in self.calls
                    if call.method == method and (channel is None or call.args.get("channel") == channel)
                ]
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
                message = {"type": "message", "text": call.args.get("text", ""), "ts": f"{call.stamp:.6f}"}
                if isinstance(call.args.get("metadata"), dict):
                    message["metadata"] = call.args["metadata"]
                posted.append(message)
        posted += self.uploads.shared_in(channel)
        return sorted(posted, key=lambda message: message["ts"], reverse=True)

    def _record(self, call: Call) -> None:
        call.stamp = self.history.clock()
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _answer(self, method: str, args: dict, headers: dict) -> Answer:
        queued = self._queued.get(method)
        if queued:
            return queued.pop(0)
        token = (headers.get("Authorization") or "").removeprefix("Bearer ") or str(args.get("token") or "")
        given = {**args, "_base": self.base_url.removesuffix("api/"), "_token": token}
        given |= {"_team": self.installs.team_of(token), "_admins": self.admins}
        if method == "oauth.v2.access":
            return Answer(self.installs.oauth_access(args))
        if method in self._overrides:
            return Answer(self._overrides[method](given))
        if self.workspace is not None:
            return Answer(web_api.answer(self.workspace, method, args, headers))
        if method == "conversations.history":
            status, body, limited = self.history.answer(args, self._history(str(args.get("channel", ""))))
            return Answer(body, status, limited)
        if method == "files.getUploadURLExternal":
            return Answer(self.uploads.start(args, given["_base"]))
        if method == "files.completeUploadExternal":
            return Answer(self.uploads.complete(args))
        if method in DEFAULTS:
            return Answer(DEFAULTS[method](given))
        return Answer({"ok": True})

    def _route(self, verb: str, path: str, query: dict, raw: bytes, headers: dict) -> Answer:
        text = raw.decode("utf-8", errors="replace")
        if path.startswith("/upload/"):
            file_id = path.removeprefix("/upload/")
            self._record(Call("file_upload", {"path": path, "body": text, "file_id": file_id}, headers))
            if self.workspace is not None and file_id in self.workspace.files:
                self.workspace.files[file_id]["content"] = raw
            elif not self.uploads.receive(file_id, raw):
                return Answer({"ok": False, "error": "file_not_found"}, 404)
            return Answer({"ok": True})
        if path.startswith("/respond/"):
            args = _decode(text, headers.get("Content-Type", ""))
            self._record(Call("response_url", args, headers, path=path))
            if self.workspace is None:
                return Answer({"ok": True})
            status, body = web_api.respond(self.workspace, path.removeprefix("/respond/"), args)
            return Answer(body, status)
        if path.startswith("/api/"):
            method = path.removeprefix("/api/")
            args = _decode(text, headers.get("Content-Type", ""))
            args.update({key: values[-1] for key, values in query.items() if key not in args})
            answer = self._answer(method, args, headers)
            self._record(Call(method, args, headers))
            return answer
        page = self.pages(verb, path, query, raw, headers) if self.pages else None
        return page or Answer({"ok": False, "error": "not_found"}, 404)

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                url, _, raw = read_request(self)
                answer = stand_in._route(self.command, url.path, parse_qs(url.query), raw, dict(self.headers))
                self._reply(answer)

            do_GET = do_POST  # noqa: N815

            def _reply(self, answer: Answer) -> None:
                payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
                reply(self, answer.status, payload, answer.content_type, answer.headers)

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
    for key in ("blocks", "view", "attachments", "metadata"):
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args
