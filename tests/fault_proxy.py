"""A TCP proxy between the bot and PostgreSQL that fails on demand, the ways a real database fails:

- `passing()`: bytes flow both ways (the default);
- `refusing()`: the port is closed and every open connection is cut (the database is down);
- `hanging()`: connections are accepted but nothing is forwarded either way (a dead host, dropped packets);
  the links that hung are cut when the proxy passes again, as TCP would have given up on them;
- `cutting_at_commit(after_forwarding=True)`: when a client sends COMMIT, its connection is cut, after the
  COMMIT reached the server (it is stored, the reply is lost) or before (nothing is stored).
"""

from __future__ import annotations

import select
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

PASS, REFUSE, HANG, CUT_AT_COMMIT = "pass", "refuse", "hang", "cut_at_commit"
TICK = 0.05


class _Link:
    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.server: socket.socket | None = None
        self.hung = False
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.server):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass


class FaultProxy:
    def __init__(self, upstream_host: str = "127.0.0.1", upstream_port: int = 5432) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = PASS
        self.forward_commit = True
        self.commits_cut = 0
        self._links: list[_Link] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = 0
        self._open_listener()
        self._stopped = False
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    @classmethod
    def in_front_of(cls, database_url: str) -> FaultProxy:
        parts = urlsplit(database_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432)

    def url(self, database_url: str) -> str:
        """The same database URL, reached through the proxy."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = (credentials + "@" if credentials else "") + f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def start(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        self.refusing()

    # --- the modes ----------------------------------------------------------------------------
    def passing(self) -> None:
        with self._lock:
            self.mode = PASS
            for link in [link for link in self._links if link.hung]:
                link.close()
            if self._listener is None:
                self._open_listener()

    def refusing(self) -> None:
        with self._lock:
            self.mode = REFUSE
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for link in self._links:
                link.close()

    def hanging(self) -> None:
        with self._lock:
            self.mode = HANG

    def cutting_at_commit(self, after_forwarding: bool = True) -> None:
        with self._lock:
            self.mode, self.forward_commit = CUT_AT_COMMIT, after_forwarding

    # --- plumbing -----------------------------------------------------------------------------
    def _open_listener(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(TICK)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _accept_loop(self) -> None:
        while not self._stopped:
            listener = self._listener
            if listener is None:
                threading.Event().wait(TICK)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            link = _Link(client)
            with self._lock:
                self._links = [known for known in self._links if not known.closed] + [link]
            threading.Thread(target=self._pump, args=(link,), daemon=True).start()

    def _pump(self, link: _Link) -> None:
        try:
            while not link.closed:
                if self.mode == HANG or (link.server is None and self.mode == REFUSE):
                    link.hung = self.mode == HANG
                    threading.Event().wait(TICK)
                    continue
                if link.server is None:
                    link.server = socket.create_connection(self.upstream, timeout=5)
                readable, _, _ = select.select([link.client, link.server], [], [], TICK)
                if self.mode == HANG:
                    continue
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        link.close()
                        return
                    if source is link.client and self.mode == CUT_AT_COMMIT and b"COMMIT" in data.upper():
                        if self.forward_commit:
                            link.server.sendall(data)
                            threading.Event().wait(0.2)  # the server commits; its reply never arrives
                        self.commits_cut += 1
                        link.close()
                        return
                    (link.server if source is link.client else link.client).sendall(data)
        except (OSError, ValueError):  # ValueError: select() on a socket another thread just closed
            link.close()
