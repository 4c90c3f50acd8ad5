"""A local stand-in for Slack's Socket Mode: `apps.connections.open` (answered by the Web API stand-in)
hands out a ws:// URL on 127.0.0.1, and this server speaks the envelope protocol over it.

The protocol, as Slack documents it: on connect the server sends `hello`; each request arrives as an
envelope `{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "payload",
"accepts_response_payload"}`; the app acknowledges with `{"envelope_id", "payload"?}` (the payload is
what an HTTP app would have put in its response body); the server may send `disconnect` (the app then
opens a new connection) or simply drop the connection.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.stand_in import SlackStandIn

REVOKED = "revoked"


@dataclass
class Ack:
    envelope_id: str
    payload: dict | None
    seconds: float


@dataclass
class _Pending:
    sent_at: float
    done: threading.Event = field(default_factory=threading.Event)
    ack: Ack | None = None


class SocketModeStandIn:
    """Serves Socket Mode connections; `send()` delivers an envelope and waits for the app's ack."""

    def __init__(self, web_api: SlackStandIn) -> None:
        self.web_api = web_api
        self.connections: list[ServerConnection] = []
        self.opened = 0  # connections ever accepted
        self.app_tokens: dict[str, str] = {}  # token -> "ok" | "revoked"
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Condition()
        self._server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.socket.getsockname()[1]

    def start(self) -> SocketModeStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop()
        self._server.shutdown()

    def install(self) -> None:
        """Answer `apps.connections.open` on the Web API stand-in (call again after its reset())."""
        self.web_api.always("apps.connections.open", self._connections_open)

    def reset(self) -> None:
        self.drop()
        with self._lock:
            self._pending.clear()
            self.opened = 0
        self.app_tokens.clear()
        self.install()

    # --- apps.connections.open -------------------------------------------------------------
    def _connections_open(self, args: dict) -> dict:
        token = str(args.get("_token") or args.get("token") or "")
        if not token:
            return {"ok": False, "error": "not_authed"}
        if self.app_tokens.get(token) == REVOKED:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket=t{next(self._ids)}&app_id=A1"}

    # --- the WebSocket side ----------------------------------------------------------------
    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections.append(connection)
            self.opened += 1
            self._lock.notify_all()
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": len(self.connections),
                        "debug_info": {"host": "stand-in", "approximate_connection_time": 18060},
                        "connection_info": {"app_id": "A1"},
                    }
                )
            )
            for message in connection:
                self._received(json.loads(message))
        except (ConnectionClosed, ValueError):
            pass
        finally:
            with self._lock:
                if connection in self.connections:
                    self.connections.remove(connection)
                self._lock.notify_all()

    def _received(self, message: dict) -> None:
        envelope_id = message.get("envelope_id")
        with self._lock:
            pending = self._pending.get(envelope_id)
            if pending is None or pending.ack is not None:
                return
            pending.ack = Ack(envelope_id, message.get("payload"), time.perf_counter() - pending.sent_at)
            pending.done.set()

    def wait_connected(self, opened: int = 1, timeout: float = 10.0) -> None:
        """Block until `opened` connections have been accepted in all, one of them still open."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.opened < opened or not self.connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {opened} Socket Mode connection(s), saw {self.opened}")
                self._lock.wait(remaining)

    def send(self, kind: str, payload: dict, *, timeout: float = 5.0) -> Ack | None:
        """Deliver one envelope on the newest open connection; the ack, or None if none came in time."""
        envelope_id = f"env-{next(self._ids)}-{time.monotonic_ns()}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            if not self.connections:
                raise AssertionError("no Socket Mode connection is open")
            connection = self.connections[-1]
            pending = self._pending[envelope_id] = _Pending(time.perf_counter())
        connection.send(json.dumps(envelope))
        pending.done.wait(timeout)
        with self._lock:
            self._pending.pop(envelope_id, None)
        return pending.ack

    def ask_to_reconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` message: the app should open a new connection; the old one is closed after."""
        with self._lock:
            connections = list(self.connections)
        for connection in connections:
            connection.send(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "stand-in"}}))

    def drop(self) -> None:
        """The server closes every connection, as when Slack restarts a host or the network blips."""
        with self._lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.close()
            except Exception:
                pass
