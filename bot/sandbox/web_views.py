"""The sandbox's views.* methods, answered the way Slack answers them: a trigger used once, a modal stack
of at most three, the hash that guards an update, Block Kit's limits on every view (web_api.py routes)."""

from __future__ import annotations

from bot.sandbox import limits
from bot.sandbox.workspace import Workspace, public_view


def _triggered(workspace: Workspace, args: dict) -> tuple[str, dict | None]:
    """views.open and views.push: (whose trigger it was, None), or ("", Slack's error)."""
    user_id, error = workspace.use_trigger(str(args.get("trigger_id") or ""))
    if error:
        return "", {"ok": False, "error": error}
    return user_id or "", limits.view_problem(args.get("view"))


def views_open(workspace: Workspace, args: dict) -> dict:
    user_id, problem = _triggered(workspace, args)
    if problem:
        return problem
    return {"ok": True, "view": public_view(workspace.open_modal(user_id, args["view"]))}


def views_push(workspace: Workspace, args: dict) -> dict:
    user_id, problem = _triggered(workspace, args)
    if problem:
        return problem
    stored = workspace.push_modal(user_id, args["view"])
    if stored is None:
        return {"ok": False, "error": "push_limit_reached" if workspace.top_modal(user_id) else "not_found"}
    return {"ok": True, "view": public_view(stored)}


def views_update(workspace: Workspace, args: dict) -> dict:
    found = workspace.find_view(args.get("view_id"), args.get("external_id"))
    if found is None:
        return {"ok": False, "error": "not_found"}
    _, current = found
    if args.get("hash") and args["hash"] != current.get("hash"):
        return {"ok": False, "error": "hash_conflict"}
    problem = limits.view_problem(args.get("view"))
    if problem:
        return problem
    return {"ok": True, "view": public_view(workspace.update_view(current, args["view"]))}


def views_publish(workspace: Workspace, args: dict) -> dict:
    user_id = str(args.get("user_id") or "")
    if user_id not in workspace.people:
        return {"ok": False, "error": "user_not_found"}
    view = args.get("view")
    if not isinstance(view, dict) or view.get("type") != "home":
        return limits._invalid("invalid_arguments", "views.publish takes a view of type home [json-pointer:/view]")
    current = workspace.homes.get(user_id)
    if args.get("hash") and current is not None and args["hash"] != current.get("hash"):
        return {"ok": False, "error": "hash_conflict"}
    problem = limits.view_problem(view)
    if problem:
        return problem
    return {"ok": True, "view": public_view(workspace.publish_home(user_id, view))}
