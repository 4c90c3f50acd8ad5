"""What every local stand-in server shares: its thread, its address, start and stop."""

from __future__ import annotations

import threading
from typing import Self


class Served:
    """Mixed into a stand-in that calls `serve(server)` once its server is made; `scheme` says http or https."""

    scheme = "http"

    def serve(self, server) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
