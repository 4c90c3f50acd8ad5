"""The embedded Slack's state: people, conversations with their history, ephemeral messages, open modals,
Home tabs, trigger ids and response URLs. Everything is in memory and guarded by one lock; `version`
grows on every change so the page knows when to redraw.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.sandbox.records import Conversation, Hook, Message, Person, Trigger

__all__ = ["Conversation", "Hook", "Message", "Person", "Trigger", "Workspace", "public_view"]
MAX_MODAL_STACK = 3  # Slack: views.push can stack at most three views


class Workspace:
    """One Slack workspace with one app installed (its bot user is a member of the team channel)."""

    def __init__(self, team_id: str, team_name: str, bot: Person, token: str, clock: Callable[[], datetime]):
        self.team_id, self.team_name, self.bot, self.token, self.clock = team_id, team_name, bot, token, clock
        self.people: dict[str, Person] = {bot.id: bot}
        self.conversations: dict[str, Conversation] = {}
        self.modals: dict[str, list[dict]] = {}  # per person: the stack of open views, top last
        self.homes: dict[str, dict] = {}  # per person: the published Home tab
        self.triggers: dict[str, Trigger] = {}
        self.hooks: dict[str, Hook] = {}
        self.files: dict[str, dict] = {}
        self.base_url = ""  # where the embedded Slack listens, e.g. http://127.0.0.1:3000/ (set when it starts)
        self.lock = threading.RLock()
        self.version = 0
        self._counter = 0

    # ---- setting up --------------------------------------------------------------------------

    def add_person(self, person: Person) -> Person:
        with self.lock:
            self.people[person.id] = person
            self._touch()
            return person

    def add_channel(self, channel_id: str, name: str, members: set[str]) -> Conversation:
        with self.lock:
            conversation = Conversation(channel_id, name, set(members))
            self.conversations[channel_id] = conversation
            self._touch()
            return conversation

    def dm_with_bot(self, user_id: str) -> Conversation:
        """The person's DM with the app (conversations.open, or a post to a user id, opens it)."""
        with self.lock:
            dm_id = "D" + user_id.removeprefix("U")
            if dm_id not in self.conversations:
                name = self.bot.real_name
                self.conversations[dm_id] = Conversation(dm_id, name, {user_id, self.bot.id}, is_im=True)
            return self.conversations[dm_id]

    # ---- ids, triggers and response URLs -----------------------------------------------------

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self._counter += 1
            return f"{prefix}{self._counter:07d}"

    def next_ts(self) -> str:
        """Message timestamps follow the workspace's clock (the sandbox moves it), unique and increasing."""
        with self.lock:
            self._counter += 1
            return f"{int(self.clock().timestamp())}.{self._counter:06d}"

    def issue_trigger(self, user_id: str) -> str:
        with self.lock:
            trigger_id = f"{self._counter}.{secrets.token_hex(8)}"
            self._counter += 1
            self.triggers[trigger_id] = Trigger(user_id)
            return trigger_id

    def use_trigger(self, trigger_id: str) -> tuple[str | None, str | None]:
        """(the person it was issued to, None), or (None, Slack's error for it)."""
        trigger, error = self._spend(self.triggers, trigger_id, "invalid_trigger_id", "expired_trigger_id")
        return (trigger.user if trigger else None), error

    def issue_hook(self, user_id: str, channel_id: str, message_ts: str | None = None) -> str:
        with self.lock:
            token = secrets.token_urlsafe(12)
            self.hooks[token] = Hook(user_id, channel=channel_id, message_ts=message_ts)
            return token

    def use_hook(self, token: str) -> tuple[Hook | None, str | None]:
        return self._spend(self.hooks, token, "invalid_token", "expired_url")

    def _spend(self, grants: dict, key: str, unknown: str, expired: str):
        """(the grant, None) when it still works (one use spent), else (None, Slack's error)."""
        with self.lock:
            grant = grants.get(key)
            if grant is None:
                return None, unknown
            return (grant, None) if grant.spend() else (None, expired)

    # ---- messages -----------------------------------------------------------------------------

    def post(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        blocks: list | None,
        only_for: str | None = None,
        files: list | None = None,
    ) -> Message:
        with self.lock:
            message = Message(self.next_ts(), channel_id, user_id, text or "", list(blocks or []), only_for)
            message.files = list(files or [])
            self.conversations[channel_id].messages.append(message)
            self._touch()
            return message

    def find_message(self, channel_id: str, ts: str | None) -> Message | None:
        conversation = self.conversations.get(channel_id)
        if conversation is None or ts is None:
            return None
        return next((message for message in conversation.messages if message.ts == ts), None)

    def replace(self, message: Message, text: str, blocks: list | None) -> None:
        with self.lock:
            message.text, message.blocks = text or "", list(blocks or [])
            self._touch()

    def delete(self, message: Message) -> None:
        with self.lock:
            self.conversations[message.channel].messages.remove(message)
            self._touch()

    def visible_to(self, user_id: str, conversation: Conversation) -> list[Message]:
        with self.lock:
            return [m for m in conversation.messages if m.only_for in (None, user_id)]

    # ---- views --------------------------------------------------------------------------------

    def stored_view(self, view: dict, user_id: str, previous: dict | None = None, view_id: str | None = None) -> dict:
        """A view as Slack keeps it: the app's payload plus id, hash, team, state and the stack's links."""
        stored = {
            "id": view_id or self.next_id("V"),
            "team_id": self.team_id,
            "app_id": "A0SANDBOX",
            "bot_id": "B0SANDBOX",
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{time.time():.6f}.{secrets.token_hex(4)}",
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
        }
        stored["root_view_id"] = (previous or {}).get("root_view_id") or stored["id"]
        stored["previous_view_id"] = (previous or {}).get("id")
        stored["_user"] = user_id
        return stored

    def find_view(self, view_id: str | None = None, external_id: str | None = None) -> tuple[str, dict] | None:
        """(where: "modal" or "home", the view) for a view id or external id."""
        with self.lock:
            for stack in self.modals.values():
                for view in stack:
                    if view["id"] == view_id or (external_id and view.get("external_id") == external_id):
                        return "modal", view
            for view in self.homes.values():
                if view["id"] == view_id or (external_id and view.get("external_id") == external_id):
                    return "home", view
        return None

    def top_modal(self, user_id: str) -> dict | None:
        with self.lock:
            stack = self.modals.get(user_id) or []
            return stack[-1] if stack else None

    def open_modal(self, user_id: str, view: dict) -> dict:
        with self.lock:
            stored = self.stored_view(view, user_id)
            self.modals[user_id] = [stored]
            self._touch()
            return stored

    def push_modal(self, user_id: str, view: dict) -> dict | None:
        with self.lock:
            stack = self.modals.setdefault(user_id, [])
            if not stack or len(stack) >= MAX_MODAL_STACK:
                return None
            stored = self.stored_view(view, user_id, previous=stack[-1])
            stack.append(stored)
            self._touch()
            return stored

    def update_view(self, current: dict, view: dict) -> dict:
        with self.lock:
            user_id = current["_user"]
            previous = {"id": current.get("previous_view_id"), "root_view_id": current.get("root_view_id")}
            stored = self.stored_view(view, user_id, previous=previous, view_id=current["id"])
            stored["state"] = {"values": {}}
            if current.get("type") == "home":
                self.homes[user_id] = stored
            else:
                stack = self.modals.get(user_id) or []
                self.modals[user_id] = [stored if v["id"] == current["id"] else v for v in stack]
            self._touch()
            return stored

    def close_modal(self, user_id: str, view_id: str, everything: bool = False) -> list[dict]:
        """Close one view (back to the one under it) or the whole stack; returns the views closed."""
        with self.lock:
            stack = self.modals.get(user_id) or []
            if everything:
                closed, self.modals[user_id] = stack, []
            else:
                closed = [v for v in stack if v["id"] == view_id]
                self.modals[user_id] = [v for v in stack if v["id"] != view_id]
            self._touch()
            return closed

    def publish_home(self, user_id: str, view: dict) -> dict:
        with self.lock:
            current = self.homes.get(user_id)
            stored = self.stored_view(view, user_id, view_id=current["id"] if current else None)
            self.homes[user_id] = stored
            self._touch()
            return stored

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def _touch(self) -> None:
        self.version += 1


def public_view(view: dict) -> dict:
    """A stored view without our private bookkeeping, as Slack sends it back to the app."""
    return {key: value for key, value in view.items() if not key.startswith("_")}
