"""A surface's Slack listeners, each declared above the function that answers it, registered together.

`listeners = Listeners()`, then `@listeners.action(views.SOME_BUTTON)` on the function, and the module's
`register = listeners.register` wires them all to the app (handlers/__init__.py), in the order written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partialmethod
from typing import Any

from slack_bolt import App

from handlers.submissions import storing_submission

Listener = Callable[..., Any]


class Listeners:
    def __init__(self) -> None:
        self._wired: list[tuple[str, Any, Listener]] = []

    def _on(self, kind: str, *keys: Any) -> Callable[[Listener], Listener]:
        def declare(listener: Listener) -> Listener:
            self._wired.extend((kind, key, listener) for key in keys)
            return listener

        return declare

    action = partialmethod(_on, "action")  # a button or menu, by action id (a string or a compiled pattern)
    view = partialmethod(_on, "view")  # a modal's submission, by callback id
    event = partialmethod(_on, "event")  # an Events API event, by type
    command = partialmethod(_on, "command")  # a slash command

    def form(
        self, callback_id: str, parse: Callable[..., Any], *args: object, in_channel: bool = True
    ) -> Callable[[Listener], Listener]:
        """Answers a modal's submission: its fields checked by `parse` before the ack, then kept by the
        function, called as `store(form, stored)` (handlers/submissions.py storing_submission)."""

        def declare(store: Listener) -> Listener:
            self._wired.append(("view", callback_id, storing_submission(store, parse, *args, in_channel=in_channel)))
            return store

        return declare

    def register(self, app: App) -> None:
        for kind, key, listener in self._wired:
            getattr(app, kind)(key)(listener)
