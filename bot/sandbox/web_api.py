"""The Web API methods Pipeline Coach calls, answered from a Workspace the way Slack answers them:
the same success shapes, the same error codes (not_authed, channel_not_found, not_in_channel,
user_not_found, invalid_blocks, expired_trigger_id, hash_conflict, …), and Block Kit's limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.sandbox import limits
from bot.sandbox.web_views import views_open, views_publish, views_push, views_update
from bot.sandbox.workspace import MAX_MODAL_STACK, Workspace

Method = Callable[[Workspace, dict], dict]


def answer(workspace: Workspace, method: str, args: dict, headers: dict) -> dict:
    """Slack's answer to one Web API call (the HTTP status is always 200, as Slack's is)."""
    handler = METHODS.get(method)
    if handler is None:
        return {"ok": False, "error": "unknown_method"}
    token = _token(args, headers)
    if not token:
        return {"ok": False, "error": "not_authed"}
    if token != workspace.token:
        return {"ok": False, "error": "invalid_auth"}
    args = {key: _json_arg(key, value) for key, value in args.items()}
    with workspace.lock:
        return handler(workspace, args)


def respond(workspace: Workspace, token: str, payload: dict) -> tuple[int, dict]:
    """A reply posted to a response_url: replace or delete the original, or post ephemeral / in channel."""
    hook, error = workspace.use_hook(token)
    if hook is None:
        return 404, {"ok": False, "error": error}
    blocks, text = payload.get("blocks"), payload.get("text") or ""
    deleting = _truthy(payload.get("delete_original"))
    problem = limits.blocks_problem(blocks) or (None if deleting else _no_text(text, blocks))
    if problem is not None:
        return 400, problem
    with workspace.lock:
        original = workspace.find_message(hook.channel, hook.message_ts)
        if _truthy(payload.get("delete_original")):
            if original is not None:
                workspace.delete(original)
        elif _truthy(payload.get("replace_original")) and original is not None:
            workspace.replace(original, text, blocks)
        elif payload.get("response_type") == "in_channel":
            workspace.post(hook.channel, workspace.bot.id, text, blocks)
        else:
            workspace.post(hook.channel, workspace.bot.id, text, blocks, only_for=hook.user)
    return 200, {"ok": True}


def _no_text(text: str, blocks: object) -> dict | None:
    return None if text or blocks else {"ok": False, "error": "no_text"}


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _token(args: dict, headers: dict) -> str:
    bearer = next((value for key, value in headers.items() if key.lower() == "authorization"), "")
    return str(args.get("token") or bearer.removeprefix("Bearer ").strip())


def _json_arg(key: str, value: object) -> object:
    if key in ("blocks", "view", "files", "attachments", "metadata") and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# ---- conversations and messages ------------------------------------------------------------------


def _conversation(workspace: Workspace, channel: str):
    """A channel id, a DM id, or a user id (Slack opens the DM with that person)."""
    if channel in workspace.people and channel != workspace.bot.id:
        return workspace.dm_with_bot(channel), None
    conversation = workspace.conversations.get(channel)
    if conversation is None:
        return None, {"ok": False, "error": "channel_not_found"}
    if conversation.is_archived:
        return None, {"ok": False, "error": "is_archived"}
    if workspace.bot.id not in conversation.members:
        return None, {"ok": False, "error": "not_in_channel"}
    return conversation, None


def post_message(workspace: Workspace, args: dict) -> dict:
    conversation, error = _conversation(workspace, str(args.get("channel") or ""))
    if error:
        return error
    text, blocks = args.get("text") or "", args.get("blocks")
    problem = limits.text_problem(text, blocks) or limits.blocks_problem(blocks)
    if problem:
        return problem
    message = workspace.post(conversation.id, workspace.bot.id, text, blocks)
    if isinstance(args.get("metadata"), dict):
        message.metadata = args["metadata"]
    return {"ok": True, "channel": conversation.id, "ts": message.ts, "message": message.as_slack()}


def update_message(workspace: Workspace, args: dict) -> dict:
    """chat.update: the app rewrites one of its own messages for everyone (an ephemeral one cannot be)."""
    conversation, error = _conversation(workspace, str(args.get("channel") or ""))
    if error:
        return error
    message = workspace.find_message(conversation.id, str(args.get("ts") or ""))
    if message is None or message.only_for is not None:
        return {"ok": False, "error": "message_not_found"}
    if message.user != workspace.bot.id:
        return {"ok": False, "error": "cant_update_message"}
    text, blocks = args.get("text") or "", args.get("blocks")
    problem = limits.text_problem(text, blocks) or limits.blocks_problem(blocks)
    if problem:
        return problem
    workspace.replace(message, text, blocks)
    return {
        "ok": True,
        "channel": conversation.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.as_slack(),
    }


def history(workspace: Workspace, args: dict) -> dict:
    """conversations.history: newest first; metadata only with include_all_metadata, as Slack does."""
    conversation, error = _conversation(workspace, str(args.get("channel") or ""))
    if error:
        return error
    limit = max(1, min(int(args.get("limit") or 100), 999))
    shown = [message for message in reversed(conversation.messages) if message.only_for is None][:limit]
    with_metadata = str(args.get("include_all_metadata") or "").lower() in ("1", "true")
    messages = []
    for message in shown:
        found = message.as_slack()
        if not with_metadata:
            found.pop("metadata", None)
        messages.append(found)
    return {"ok": True, "messages": messages, "has_more": len(conversation.messages) > limit}


def users_list(workspace: Workspace, args: dict) -> dict:
    """users.list: every person, in one page (a sandbox team is small)."""
    members = [person.as_slack(workspace.team_id, workspace.now()) for person in workspace.people.values()]
    return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}


def post_ephemeral(workspace: Workspace, args: dict) -> dict:
    user_id = str(args.get("user") or "")
    if user_id not in workspace.people:
        return {"ok": False, "error": "user_not_found"}
    conversation, error = _conversation(workspace, str(args.get("channel") or ""))
    if error:
        return error
    if user_id not in conversation.members:
        return {"ok": False, "error": "user_not_in_channel"}
    text, blocks = args.get("text") or "", args.get("blocks")
    problem = limits.text_problem(text, blocks) or limits.blocks_problem(blocks)
    if problem:
        return problem
    message = workspace.post(conversation.id, workspace.bot.id, text, blocks, only_for=user_id)
    return {"ok": True, "message_ts": message.ts}


def conversations_open(workspace: Workspace, args: dict) -> dict:
    users = [part for part in str(args.get("users") or "").split(",") if part]
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    if len(users) > 1:
        return {"ok": False, "error": "not_enough_users"}  # the sandbox keeps DMs one-to-one
    if users[0] not in workspace.people:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "channel": {"id": workspace.dm_with_bot(users[0]).id}}


# ---- people -------------------------------------------------------------------------------------


def users_info(workspace: Workspace, args: dict) -> dict:
    person = workspace.people.get(str(args.get("user") or ""))
    if person is None:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "user": person.as_slack(workspace.team_id, workspace.now())}


def auth_test(workspace: Workspace, args: dict) -> dict:
    return {
        "ok": True,
        "url": "http://127.0.0.1/",
        "team": workspace.team_name,
        "user": workspace.bot.name,
        "team_id": workspace.team_id,
        "user_id": workspace.bot.id,
        "bot_id": "B0SANDBOX",
    }


def usergroup_members(workspace: Workspace, args: dict) -> dict:
    return {"ok": False, "error": "no_such_subteam"}  # the sandbox's managers come from MANAGER_IDS


# ---- files (the export's and the charts' two-step upload) ----------------------------------------------------------


def upload_url(workspace: Workspace, args: dict) -> dict:
    if not args.get("filename") or not str(args.get("length") or "").isdigit():
        return {"ok": False, "error": "invalid_arguments"}
    file_id = workspace.next_id("F")
    workspace.files[file_id] = {"id": file_id, "name": args["filename"], "title": args["filename"], "content": b""}
    workspace.files[file_id]["alt_txt"] = str(args.get("alt_txt") or "")[:1000]
    return {"ok": True, "upload_url": f"{workspace.base_url}upload/{file_id}", "file_id": file_id}


def complete_upload(workspace: Workspace, args: dict) -> dict:
    files = args.get("files") if isinstance(args.get("files"), list) else []
    shared = []
    for entry in files:
        stored = workspace.files.get(str((entry or {}).get("id")))
        if stored is None:
            return {"ok": False, "error": "file_not_found"}
        stored["title"] = entry.get("title") or stored["name"]
        shared.append(
            {"id": stored["id"], "name": stored["name"], "title": stored["title"], "alt_txt": stored["alt_txt"]}
        )
    if args.get("channel_id"):
        conversation, error = _conversation(workspace, str(args["channel_id"]))
        if error:
            return error
        workspace.post(conversation.id, workspace.bot.id, args.get("initial_comment") or "", None, files=shared)
    return {"ok": True, "files": shared}


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update_message,
    "conversations.open": conversations_open,
    "users.info": users_info,
    "users.list": users_list,
    "conversations.history": history,
    "usergroups.users.list": usergroup_members,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": upload_url,
    "files.completeUploadExternal": complete_upload,
}
__all__ = ["MAX_MODAL_STACK", "METHODS", "answer", "respond"]
