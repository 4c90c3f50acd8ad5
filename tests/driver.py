"""Drives the running bot the way Slack does: signed HTTP requests with Slack-shaped bodies."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from bot.sandbox.visitor import signature, signed_request

SIGNING_SECRET = "test-signing-secret"


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    @property
    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    return signature(secret, timestamp, body)


class SlackDriver:
    """Sends slash commands, button clicks and modal submissions to the bot's /slack/events."""

    def __init__(self, events_url: str, response_url: str, team_id: str = "T1") -> None:
        self.events_url = events_url
        self.response_url = response_url
        self.team_id = team_id
        self._view_ids: dict[int, str] = {}  # Slack gives every opened view its own id

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None):
        timestamp = int(time.time()) if timestamp is None else timestamp
        request = signed_request(self.events_url, body, content_type, timestamp, signature or sign(body, timestamp))
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), time.perf_counter() - started)

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "U1",
        team: str | None = None,
        channel: str = "C1",
        trigger_id: str | None = None,
        **headers,
    ) -> Reply:
        form = {
            "token": "legacy",
            "team_id": team or self.team_id,
            "team_domain": "acme-sales",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": self.response_url,
            "trigger_id": trigger_id or f"trigger-{threading.get_ident()}-{time.monotonic_ns()}",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **headers)

    def event(self, event: dict, *, team: str | None = None) -> Reply:
        return self.post(event_callback(event, team or self.team_id), "application/json")

    def open_home(self, user: str = "U1", *, team: str | None = None) -> Reply:
        return self.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}, team=team)

    def interact(self, payload: dict, **headers) -> Reply:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **headers)

    def click(
        self,
        action: dict,
        *,
        user: str = "U1",
        team: str | None = None,
        channel: str = "C1",
        view: dict | None = None,
    ) -> Reply:
        payload = {
            **self._interaction("block_actions", user, team),
            "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
        }
        if view is None:
            payload["channel"] = {"id": channel}
            payload["container"] = {"type": "message", "channel_id": channel, "is_ephemeral": True}
            payload["response_url"] = self.response_url
        else:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        return self.interact(payload)

    def submit(self, view: dict, values: dict[str, dict], *, user: str = "U1", team: str | None = None) -> Reply:
        """Submit a modal the bot opened; `values` is {block_id: Slack's value element}."""
        state = {block_id: {"value": element} for block_id, element in values.items()}
        view_id = view.get("id") or self._view_ids.setdefault(id(view), f"V{len(self._view_ids) + 1}")
        submitted = {**view, "id": view_id, "hash": view.get("hash") or f"{view_id}.1", "team_id": team or self.team_id}
        submitted["state"] = {"values": state}
        return self.interact({**self._interaction("view_submission", user, team), "view": submitted})

    def _interaction(self, kind: str, user: str, team: str | None) -> dict:
        """What every interaction payload carries: who, where, and a fresh trigger id."""
        team_id = team or self.team_id
        return {
            "type": kind,
            "team": {"id": team_id, "domain": "acme-sales"},
            "user": {"id": user, "team_id": team_id},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
        }


def event_callback(event: dict, team_id: str = "T1") -> str:
    """An Events API envelope, as Slack posts it to /slack/events."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team_id,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": event,
        }
    )


def typed(text: str | None) -> dict:
    return {"type": "plain_text_input", "value": text}


def chosen(value: str) -> dict:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def picked_date(iso: str | None) -> dict:
    return {"type": "datepicker", "selected_date": iso}
