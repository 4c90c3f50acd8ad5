"""Block Kit's limits as the embedded Slack enforces them, with the error shapes Slack answers with.

slack_sdk's models (already a dependency) know each element's own limits; the counts per surface and
the text length are Slack's documented limits for messages and views.
"""

from __future__ import annotations

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40000
PRIVATE_METADATA = 3000


def blocks_problem(blocks: object, limit: int = MESSAGE_BLOCKS) -> dict | None:
    """None when the blocks are fine, else Slack's answer: invalid_blocks with what was wrong."""
    if blocks in (None, ""):
        return None
    if not isinstance(blocks, list):
        return _invalid("invalid_blocks_format", "blocks must be an array")
    if len(blocks) > limit:
        return _invalid("invalid_blocks", f"must be no more than {limit} items [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or not block.get("type"):
            return _invalid("invalid_blocks", f"missing required field: type [json-pointer:/blocks/{index}]")
    try:
        for block in Block.parse_all(blocks):
            block.validate_json()
    except (SlackObjectFormationError, TypeError, KeyError, ValueError) as error:
        return _invalid("invalid_blocks", f"{error} [json-pointer:/blocks]")
    return None


def view_problem(view: object) -> dict | None:
    """None when the view is fine, else Slack's answer for views.open/push/update/publish."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return _invalid("invalid_arguments", "must provide a view of type modal or home [json-pointer:/view]")
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        return _invalid("invalid_arguments", "private_metadata must be at most 3000 characters")
    problem = blocks_problem(view.get("blocks") or [], VIEW_BLOCKS)
    if problem is not None:
        return {**problem, "error": "invalid_arguments"}
    try:
        View(**{key: value for key, value in view.items() if not key.startswith("_")}).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        return _invalid("invalid_arguments", f"{error} [json-pointer:/view]")
    return None


def text_problem(text: object, blocks: object) -> dict | None:
    if not text and not blocks:
        return {"ok": False, "error": "no_text"}
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    return None


def _invalid(error: str, message: str) -> dict:
    return {"ok": False, "error": error, "errors": [message], "response_metadata": {"messages": [f"[ERROR] {message}"]}}
