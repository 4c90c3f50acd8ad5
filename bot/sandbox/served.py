"""What every local stand-in server shares (the sandbox's Slack here, the CRMs and calendars of the tests):
a server on the loopback address, its thread, its address, start and stop."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import ParseResult, urlparse


def local_server(handler: type[BaseHTTPRequestHandler], port: int = 0) -> ThreadingHTTPServer:
    """A threaded server on 127.0.0.1 (`port` 0: any free one) whose request threads never hold up exit."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def read_request(request: BaseHTTPRequestHandler) -> tuple[ParseResult, dict[str, str], bytes]:
    """A request as a stand-in reads it: its parsed path, its headers (names lower-cased) and its body."""
    length = int(request.headers.get("Content-Length") or 0)
    raw = request.rfile.read(length) if length else b""
    return urlparse(request.path), {name.lower(): value for name, value in request.headers.items()}, raw


def reply(
    request: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str | None, headers: dict
) -> None:
    """An answer: its status, Content-Type (when it has one), Content-Length, the other headers, the body."""
    request.send_response(status)
    if content_type:
        request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(payload)))
    for name, value in headers.items():
        request.send_header(name, str(value))
    request.end_headers()
    request.wfile.write(payload)


class Served:
    """Mixed into a stand-in that calls `serve(server)` once its server is made; `scheme` says http or https."""

    scheme = "http"

    def serve(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
