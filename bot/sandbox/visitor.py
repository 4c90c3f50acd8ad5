"""Slack's side of what a person does on the page: the signed requests Slack would send the app (slash
commands, clicks, modal submissions and closes, the Home tab opened), and what Slack does with the
app's acknowledgement (an ephemeral reply, field errors, an updated, pushed or cleared modal).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

from bot.sandbox import limits, web_api
from bot.sandbox.workspace import Workspace, public_view

APP_ID = "A0SANDBOX"


def signature(secret: str, timestamp: int, body: str) -> str:
    """Slack's v0 signature of a request: HMAC-SHA256 of `v0:timestamp:body` under the signing secret."""
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


def signed_request(url: str, body: str, content_type: str, timestamp: int, signed: str) -> urllib.request.Request:
    """The POST Slack makes to the app's /slack/events: the body with its timestamp and signature."""
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signed}
    return urllib.request.Request(url, data=body.encode(), method="POST", headers=headers)


class Visitor:
    """Sends Slack-shaped, signed requests to the app's /slack/events on behalf of the page's people."""

    def __init__(self, workspace: Workspace, events_url: str, secret: str, response_url: Callable[[str], str]):
        self.workspace, self.events_url, self.secret, self.response_url = workspace, events_url, secret, response_url

    # ---- sending --------------------------------------------------------------------------------

    def _post(self, body: str, content_type: str) -> tuple[int, str]:
        timestamp = int(time.time())
        request = signed_request(
            self.events_url, body, content_type, timestamp, signature(self.secret, timestamp, body)
        )
        try:
            with urllib.request.urlopen(request, timeout=3) as response:  # Slack waits 3 s for the ack
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            return 0, str(error)

    def _interact(self, payload: dict) -> tuple[int, dict]:
        status, text = self._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        try:
            return status, (json.loads(text) if text.strip() else {})
        except ValueError:
            return status, {"text": text}

    def _who(self, user_id: str) -> dict:
        person = self.workspace.people[user_id]
        return {"id": user_id, "username": person.name, "name": person.name, "team_id": self.workspace.team_id}

    def _team(self) -> dict:
        return {"id": self.workspace.team_id, "domain": "pipeline-coach-sandbox"}

    # ---- what people do -------------------------------------------------------------------------

    def command(self, user_id: str, channel_id: str, line: str) -> str | None:
        """A slash command typed in a conversation; returns a problem to show, or None."""
        command, _, text = line.strip().partition(" ")
        conversation = self.workspace.conversations[channel_id]
        token = self.workspace.issue_hook(user_id, channel_id)
        form = {
            "token": "sandbox",
            "team_id": self.workspace.team_id,
            "team_domain": "pipeline-coach-sandbox",
            "channel_id": channel_id,
            "channel_name": "directmessage" if conversation.is_im else conversation.name,
            "user_id": user_id,
            "user_name": self.workspace.people[user_id].name,
            "command": command,
            "text": text.strip(),
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.response_url(token),
            "trigger_id": self.workspace.issue_trigger(user_id),
        }
        status, body = self._post(urlencode(form), "application/x-www-form-urlencoded")
        if status != 200:
            return f"{command} failed with the error “dispatch_failed” (the app answered {status})"
        if body.strip():
            try:
                reply = json.loads(body)
            except ValueError:
                reply = {"text": body}
            web_api.respond(self.workspace, token, {**reply, "replace_original": False})
        return None

    def click(self, user_id: str, where: dict, action: dict, state: dict | None = None) -> str | None:
        """A button, menu or date picker used in a message (channel, DM, ephemeral) or in a view."""
        payload = {
            "type": "block_actions",
            "team": self._team(),
            "user": self._who(user_id),
            "api_app_id": APP_ID,
            "token": "sandbox",
            "trigger_id": self.workspace.issue_trigger(user_id),
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        if where.get("type") == "view":
            found = self.workspace.find_view(where.get("view_id"))
            if found is None:
                return "That view is no longer open."
            view = public_view(found[1])
            view["state"] = {"values": state or {}}
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view["id"]}
        else:
            channel_id, ts = where.get("channel"), where.get("ts")
            message = self.workspace.find_message(channel_id, ts)
            if message is None:
                return "That message is gone."
            payload["channel"] = {"id": channel_id, "name": self.workspace.conversations[channel_id].name}
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": message.only_for is not None,
            }
            if message.only_for is None:
                payload["message"] = message.as_slack()
            payload["response_url"] = self.response_url(self.workspace.issue_hook(user_id, channel_id, ts))
        status, _ = self._interact(payload)
        return None if status == 200 else f"The app didn't answer in time (status {status})."

    def submit(self, user_id: str, view_id: str, state: dict) -> dict:
        """A modal's submit button: returns {"errors": {block_id: text}} to show, or {} when handled."""
        found = self.workspace.find_view(view_id)
        if found is None:
            return {"problem": "That form is no longer open."}
        view = public_view(found[1])
        view["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._who(user_id),
            "api_app_id": APP_ID,
            "token": "sandbox",
            "trigger_id": self.workspace.issue_trigger(user_id),
            "view": view,
            "response_urls": [],
        }
        status, ack = self._interact(payload)
        if status != 200:
            return {"problem": "We had some trouble connecting. Try again?"}
        return self.after_submission(user_id, view_id, ack)

    def after_submission(self, user_id: str, view_id: str, ack: dict) -> dict:
        """What Slack does with a view_submission's acknowledgement."""
        workspace, action = self.workspace, ack.get("response_action")
        if action == "errors":
            return {"errors": ack.get("errors") or {}}
        if action in ("update", "push"):
            problem = limits.view_problem(ack.get("view"))
            if problem:
                return {"problem": "The app answered with a view Slack would refuse: " + problem["errors"][0]}
            found = workspace.find_view(view_id)
            if action == "update" and found:
                workspace.update_view(found[1], ack["view"])
            elif workspace.push_modal(user_id, ack["view"]) is None:
                return {"problem": "push_limit_reached"}
            return {}
        workspace.close_modal(user_id, view_id, everything=action == "clear")
        return {}

    def close(self, user_id: str, view_id: str, everything: bool = False) -> None:
        """Cancel (back to the view under it) or × (the whole stack), telling the app if it asked
        (notify_on_close)."""
        closed = self.workspace.close_modal(user_id, view_id, everything=everything)
        for view in closed:
            if view.get("notify_on_close"):
                payload = {
                    "type": "view_closed",
                    "team": self._team(),
                    "user": self._who(user_id),
                    "api_app_id": APP_ID,
                    "token": "sandbox",
                    "view": public_view(view),
                    "is_cleared": everything and len(closed) > 1,
                }
                self._interact(payload)

    def open_home(self, user_id: str) -> None:
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.workspace.dm_with_bot(user_id).id,
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        if user_id in self.workspace.homes:
            event["view"] = public_view(self.workspace.homes[user_id])
        envelope = {
            "token": "sandbox",
            "team_id": self.workspace.team_id,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": event,
        }
        self._post(json.dumps(envelope), "application/json")
