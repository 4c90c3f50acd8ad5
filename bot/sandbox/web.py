"""The page's routes, served by the embedded Slack's own server: the static client, one JSON state per
person, and what a person does (a command, a click, a submission, a clock jump), handed to the Visitor
so it reaches the app exactly as Slack's requests would.
"""

from __future__ import annotations

import json
import mimetypes
from datetime import UTC
from importlib import resources

from bot.sandbox import clock as sandbox_clock
from bot.sandbox import news
from bot.sandbox.people import MANAGERS
from bot.sandbox.slack_api import Answer
from bot.sandbox.workspace import public_view

STATIC = resources.files("bot.sandbox") / "static"


def pages(sandbox):
    """The route function for SlackStandIn(pages=…); `sandbox` is the running bot.sandbox.runner.Sandbox."""

    def route(verb: str, path: str, query: dict, raw: bytes, headers: dict) -> Answer | None:
        if not _from_the_page(verb, path, headers, sandbox.url):
            return Answer({"ok": False, "error": "forbidden"}, 403)
        if verb == "GET" and path in ("/", "/index.html"):
            return _file("index.html")
        if verb == "GET" and path.startswith("/static/"):
            return _file(path.removeprefix("/static/"))
        if verb == "GET" and path in sandbox.feeds:  # a demo calendar, read by the bot like any feed
            return Answer({}, content_type="text/calendar; charset=utf-8", raw=sandbox.feeds[path])
        if verb == "GET" and path.startswith("/files/"):
            return _download(sandbox, path.removeprefix("/files/"))
        if verb == "GET" and path == "/sandbox/state":
            user = (query.get("user") or [""])[-1]
            if user not in sandbox.workspace.people:
                return Answer({"ok": False, "error": "user_not_found"}, 404)
            return Answer(state(sandbox, user))
        if verb == "POST" and path.startswith("/sandbox/"):
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return Answer({"ok": False, "error": "invalid_json"}, 400)
            user = str(body.get("user") or "")
            if user not in sandbox.workspace.people:
                return Answer({"ok": False, "error": "user_not_found"}, 404)
            handler = ACTIONS.get(path.removeprefix("/sandbox/"))
            return Answer(handler(sandbox, user, body)) if handler else None
        return None

    return route


def _from_the_page(verb: str, path: str, headers: dict, url: str) -> bool:
    """Only this machine's browser, on this address: no other site may drive the sandbox (a JSON POST
    from elsewhere needs CORS, which is never granted; a rebound host name is refused)."""
    found = {key.lower(): value for key, value in headers.items()}
    host = found.get("host", "")
    port = url.rstrip("/").rsplit(":", 1)[-1]
    if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
        return False
    if verb == "POST":
        return "application/json" in found.get("content-type", "")
    return True


def _file(name: str) -> Answer | None:
    if "/" in name or name.startswith("."):
        return None
    found = STATIC / name
    if not found.is_file():
        return None
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Answer(
        {}, content_type=f"{kind}; charset=utf-8", raw=found.read_bytes(), headers={"Cache-Control": "no-store"}
    )


def _download(sandbox, file_id: str) -> Answer | None:
    stored = sandbox.workspace.files.get(file_id)
    if stored is None:
        return None
    kind = mimetypes.guess_type(stored["name"])[0] or "text/csv"
    shown = "inline" if kind.startswith("image/") else "attachment"  # a chart is shown in the DM, a CSV saved
    disposition = f'{shown}; filename="{stored["name"]}"'
    content_type = kind if kind.startswith("image/") else f"{kind}; charset=utf-8"
    return Answer({}, content_type=content_type, raw=stored["content"], headers={"Content-Disposition": disposition})


def state(sandbox, user_id: str) -> dict:
    """Everything this person sees: their conversations (ephemeral messages only their own), Home, modal."""
    workspace = sandbox.workspace
    with workspace.lock:
        conversations = []
        for conversation in workspace.conversations.values():
            if user_id not in conversation.members:
                continue
            messages = [
                {
                    "ts": message.ts,
                    "user": message.user,
                    "text": message.text,
                    "blocks": message.blocks,
                    "files": message.files,
                    "ephemeral": message.only_for is not None,
                }
                for message in workspace.visible_to(user_id, conversation)
            ]
            conversations.append(
                {"id": conversation.id, "name": conversation.name, "is_im": conversation.is_im, "messages": messages}
            )
        modal = workspace.top_modal(user_id)
        home = workspace.homes.get(user_id)
        people = [
            {"id": p.id, "name": p.name, "real_name": p.real_name, "tz": p.tz, "title": p.title, "is_bot": p.is_bot}
            for p in workspace.people.values()
        ]
        return {
            "ok": True,
            "version": workspace.version,
            "now": workspace.now().isoformat(),
            "team": workspace.team_name,
            "bot": workspace.bot.id,
            "managers": list(MANAGERS),
            "people": people,
            "conversations": conversations,
            "modal": public_view(modal) if modal else None,
            "modal_depth": len(workspace.modals.get(user_id) or []),
            "home": public_view(home) if home else None,
            "jobs": sandbox.last_jobs,
            "jumps": sandbox_clock.JUMPS,
            "opens_on": sandbox.opens_on,
            "run": sandbox.run,
        }


def command(sandbox, user: str, body: dict) -> dict:
    line, channel = str(body.get("text") or "").strip(), str(body.get("channel") or "")
    conversation = sandbox.workspace.conversations.get(channel)
    if conversation is None or user not in conversation.members:
        return {"ok": False, "error": "channel_not_found"}
    name = line.split(" ", 1)[0]
    if name not in ("/opportunity", "/prospect"):
        return {
            "ok": False,
            "error": f"{name or 'That'} is not a valid command. The app's commands: /opportunity, /prospect",
        }
    problem = sandbox.visitor.command(user, channel, line)
    return {"ok": problem is None, "error": problem}


def say(sandbox, user: str, body: dict) -> dict:
    """A plain message from a person (the app does not read messages; people can still talk)."""
    text, channel = str(body.get("text") or "").strip(), str(body.get("channel") or "")
    conversation = sandbox.workspace.conversations.get(channel)
    if conversation is None or user not in conversation.members or not text:
        return {"ok": False, "error": "channel_not_found" if text else "no_text"}
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    sandbox.workspace.post(channel, user, escaped, None)
    return {"ok": True}


def action(sandbox, user: str, body: dict) -> dict:
    problem = sandbox.visitor.click(user, body.get("where") or {}, body.get("action") or {}, body.get("state"))
    return {"ok": problem is None, "error": problem}


def submit(sandbox, user: str, body: dict) -> dict:
    return {"ok": True, **sandbox.visitor.submit(user, str(body.get("view_id")), body.get("state") or {})}


def close(sandbox, user: str, body: dict) -> dict:
    sandbox.visitor.close(user, str(body.get("view_id")), everything=body.get("everything") is True)
    return {"ok": True}


def home(sandbox, user: str, body: dict) -> dict:
    sandbox.visitor.open_home(user)
    return {"ok": True}


def jump(sandbox, user: str, body: dict) -> dict:
    person = sandbox.workspace.people[user]
    services = sandbox.services
    try:
        moment = sandbox_clock.target(services, sandbox.workspace.team_id, user, person.tz, str(body.get("jump")))
    except ValueError as problem:
        return {"ok": False, "error": str(problem)}
    sandbox.last_jobs = news.move(sandbox, user, moment)
    return {"ok": True, "now": sandbox.clock.current.astimezone(UTC).isoformat(), "jobs": sandbox.last_jobs}


ACTIONS = {
    "say": say,
    "command": command,
    "action": action,
    "submit": submit,
    "close": close,
    "home": home,
    "clock": jump,
}
