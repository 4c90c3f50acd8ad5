"""Socket Mode on slack_sdk's built-in client (no third-party WebSocket library; Bolt's recommended default).

The handler counts the envelopes it is answering so a shutdown can stop taking new ones, let the ones
in flight be acknowledged, and only then close the connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger("pipeline_coach.socket_mode")

# How often the client pings Slack and checks its connection: a dropped connection is reopened within this.
PING_SECONDS = 3

# apps.connections.open's answers that mean the app-level token itself is wrong.
BAD_TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}


class StartupError(Exception):
    """Socket Mode cannot start; the message is one line an operator can act on."""


class CoachSocketModeHandler(SocketModeHandler):
    def __init__(self, app: App, app_token: str, concurrency: int) -> None:
        client_log = logging.getLogger("pipeline_coach.socket_mode.client")
        client_log.addFilter(_without_refusals)
        super().__init__(
            app,
            app_token,
            logger=client_log,
            concurrency=concurrency,
            ping_interval=PING_SECONDS,
        )
        self._answering = 0
        self._refusing = False
        self._idle = threading.Condition()
        self.refused: str | None = None  # the one line for the operator, once Slack refuses the token while running
        self.on_refused: Callable[[], None] = lambda: None
        self._issue_url = self.client.issue_new_wss_url
        self.client.issue_new_wss_url = self._reissue_url

    def open(self) -> None:
        """Ask Slack for a connection URL (a bad token is caught here, as one line), then connect."""
        try:
            self.client.wss_uri = self.client.web_client.apps_connections_open(app_token=self.app_token)["url"]
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code in BAD_TOKEN_ERRORS:
                raise StartupError(_refused_line(code)) from None
            raise StartupError(f"Slack would not open a Socket Mode connection: {code or error}.") from None
        except (SlackClientError, OSError) as error:
            raise StartupError(f"Could not reach Slack at SLACK_API_URL to open Socket Mode: {error}.") from None
        self.connect()

    def _reissue_url(self) -> str:
        """A new connection URL after a drop or Slack's refresh. If Slack now refuses the token (revoked,
        app uninstalled), reconnecting is given up at once and the bot is told to stop (on_refused), rather
        than retrying for ever."""
        try:
            return self._issue_url()
        except SlackApiError as error:
            code = error.response.get("error", "")
            if code in BAD_TOKEN_ERRORS and self.refused is None:
                self.client.auto_reconnect_enabled = self.client.default_auto_reconnect_enabled = False
                self.refused = _refused_line(code, while_running=True)
                self.on_refused()
            raise

    def handle(self, client, req: SocketModeRequest) -> None:
        with self._idle:
            if self._refusing:
                log.info("shutting down: left a %s envelope unacknowledged (Slack retries or tells the rep)", req.type)
                return
            self._answering += 1
        try:
            super().handle(client, req)  # returns once the ack is on the wire
        finally:
            with self._idle:
                self._answering -= 1
                self._idle.notify_all()

    def stop_taking_new(self, timeout: float) -> bool:
        """Refuse new envelopes; wait up to `timeout` for those in flight to be acknowledged."""
        with self._idle:
            self._refusing = True
            return self._idle.wait_for(lambda: not self._answering, timeout)


def _without_refusals(record: logging.LogRecord) -> bool:
    """slack_sdk logs a refused token as errors with Slack's whole answer; our one line says it instead."""
    message = record.getMessage()
    return not any(f"'error': '{code}'" in message for code in BAD_TOKEN_ERRORS)


def _refused_line(code: str, while_running: bool = False) -> str:
    when = " while the bot was running" if while_running else ""
    return (
        f"Slack refused SLACK_APP_TOKEN ({code}){when}: generate an app-level token with the connections:write "
        "scope (Basic Information → App-Level Tokens) and set it."
    )
