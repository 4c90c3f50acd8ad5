"""Drives the bot the way Slack does in Socket Mode: the same requests as tests/driver.py, delivered as
envelopes over the WebSocket; the app's ack payload is the reply."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from tests.driver import Reply, SlackDriver
from tests.socket_stand_in import SocketModeStandIn

NO_ACK = 504  # what Slack shows the rep when no ack came in time


class SocketDriver(SlackDriver):
    """SlackDriver's interface (command, click, submit, event, open_home): only the transport differs."""

    def __init__(self, socket: SocketModeStandIn, response_url: str, team_id: str = "T1", timeout: float = 5.0):
        super().__init__(events_url="", response_url=response_url, team_id=team_id)
        self.socket = socket
        self.timeout = timeout

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None):
        kind, payload = envelope_for(body, content_type)
        ack = self.socket.send(kind, payload, timeout=self.timeout)
        if ack is None:
            return Reply(NO_ACK, "", self.timeout)
        return Reply(200, json.dumps(ack.payload) if ack.payload else "", ack.seconds)


def envelope_for(body: str, content_type: str) -> tuple[str, dict]:
    """What an HTTP body becomes in Socket Mode: the same payload, in a typed envelope."""
    if "json" in content_type:
        return "events_api", json.loads(body)
    form = {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}
    if "payload" in form:
        return "interactive", json.loads(form["payload"])
    return "slash_commands", form
