"""Slack's rules as checks on what the bot sent: real methods, real arguments, valid Block Kit, no pings.

The Web API specification lives outside the project (../shared/slack-specs, or SLACK_SPECS_DIR). Where it
is absent, as in a fresh clone, checks that need it are skipped with a reason; with
COACH_REQUIRE_SLACK_SPECS=1 (set by .ci/run) its absence is a failure.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

ROOT = Path(__file__).resolve().parents[1]
SPEC_FILE = "slack_web_openapi_v2_without_examples.json"
# Methods Slack added after its published spec was last generated (2020); checked by name only.
# apps.connections.open is Socket Mode's (it takes the app-level token, no arguments).
NEWER_THAN_SPEC = {"files.getUploadURLExternal", "files.completeUploadExternal", "apps.connections.open"}
# Arguments Slack added to existing methods after the spec was generated: token rotation's refresh (2021),
# message metadata (2022).
NEWER_ARGUMENTS = {
    "oauth.v2.access": {"grant_type", "refresh_token"},
    "chat.postMessage": {"metadata"},
    "conversations.history": {"include_all_metadata"},
}
MESSAGE_BLOCK_LIMIT = 50
SURFACE_BLOCK_LIMIT = 100
# slack_sdk adds these to any call (team_id for org-wide installs); they are not the bot's own arguments.
CLIENT_WIDE = {"token", "team_id"}
PINGS = re.compile(r"<!(channel|here|everyone)|<!subteam\^", re.IGNORECASE)


def specs_dir() -> Path:
    return Path(os.environ.get("SLACK_SPECS_DIR") or ROOT.parent / "shared" / "slack-specs")


def require_specs(filename: str) -> Path:
    path = specs_dir() / filename
    if path.exists():
        return path
    reason = f"Slack's published specs are not here ({path}); they sit beside the project in development and CI"
    if os.environ.get("COACH_REQUIRE_SLACK_SPECS") == "1":
        pytest.fail(reason + " and COACH_REQUIRE_SLACK_SPECS=1 makes them required")
    pytest.skip(reason)


@cache
def _web_api() -> dict[str, set[str]] | None:
    path = specs_dir() / SPEC_FILE
    if not path.exists():
        return None
    spec = json.loads(path.read_text())
    known: dict[str, set[str]] = {}
    for route, operations in spec["paths"].items():
        names = {p["name"] for op in operations.values() for p in op.get("parameters", [])}
        required = {p["name"] for op in operations.values() for p in op.get("parameters", []) if p.get("required")}
        known[route.lstrip("/")] = names
        known[route.lstrip("/") + "#required"] = required
    return known


def check_web_api_call(method: str, args: dict) -> None:
    """The method exists in Slack's spec, every argument is one it defines, and the required ones are there."""
    known = _web_api()
    if known is None or method in NEWER_THAN_SPEC or method in ("response_url", "file_upload"):
        return
    assert method in known, f"{method} is not a Slack Web API method"
    unknown = set(args) - known[method] - CLIENT_WIDE - NEWER_ARGUMENTS.get(method, set())
    assert not unknown, f"{method} got arguments Slack does not define: {sorted(unknown)}"
    missing = known[method + "#required"] - set(args) - CLIENT_WIDE
    if method in NEWER_ARGUMENTS and args.get("grant_type") == "refresh_token":
        missing -= {"code"}  # a refresh carries a refresh token instead of a code
    assert not missing, f"{method} is missing required arguments: {sorted(missing)}"


def check_blocks(blocks: list[dict], limit: int) -> None:
    assert len(blocks) <= limit, f"{len(blocks)} blocks is over Slack's limit of {limit}"
    for block in Block.parse_all(blocks):
        block.validate_json()


def check_view(view: dict) -> None:
    check_blocks(view.get("blocks", []), SURFACE_BLOCK_LIMIT)
    View(**view).validate_json()


def check_no_pings(value: object, where: str) -> None:
    """User text must never become @channel, @here or a user-group ping."""
    text = json.dumps(value, ensure_ascii=False)
    assert not PINGS.search(text), f"{where} would ping people: {PINGS.search(text).group(0)}"


def check_call(method: str, args: dict) -> None:
    check_web_api_call(method, args)
    if method != "file_upload":  # a file's bytes are not a message: Slack never reads mentions in them
        check_no_pings(args, method)  # (its title and comment are: files.completeUploadExternal)
    if isinstance(args.get("blocks"), list):
        check_blocks(args["blocks"], MESSAGE_BLOCK_LIMIT)
    if isinstance(args.get("text"), str):
        assert len(args["text"]) <= 40000, f"{method} text is too long"
    if isinstance(args.get("view"), dict):
        check_view(args["view"])
