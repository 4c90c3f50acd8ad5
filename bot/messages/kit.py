"""The Block Kit kit: every block, element and surface the bot sends is built here, inside Slack's limits.

Text passed to `plain` is escaped; text passed to `mrkdwn` (and so to `section` and `context`) is ours,
with anything a person typed already escaped by the caller (bot/text.py: escape).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.text import clip, escape

MAX_MESSAGE_BLOCKS = 50
MAX_SURFACE_BLOCKS = 100  # modals and the Home tab
MAX_ACTIONS_PER_BLOCK = 5  # we keep rows of buttons short, well under Slack's 25


def plain(text: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": clip(escape(text), limit), "emoji": True}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": clip(text, 3000)}


def section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> dict:
    return {"type": "divider"}


def actions(elements: list[dict], block_id: str | None = None) -> dict:
    block: dict = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict:
    element = {"type": "button", "text": plain(text), "action_id": action_id, "value": clip(value, 2000)}
    if style:
        element["style"] = style
    return element


def button_value(**fields: object) -> str:
    """What a button carries back to us: compact JSON (read back as untrusted by the handlers)."""
    return json.dumps(fields, separators=(",", ":"))


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": clip(value, 150)}


def static_select(options: Sequence[dict], initial: dict | None = None, action_id: str = "value") -> dict:
    element: dict = {"type": "static_select", "action_id": action_id, "options": list(options)[:100]}
    if initial is not None:
        element["initial_option"] = initial
    return element


def overflow(options: Sequence[dict], action_id: str) -> dict:
    return {"type": "overflow", "action_id": action_id, "options": list(options)[:5]}


def datepicker(initial: str | None = None, action_id: str = "value") -> dict:
    element = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial
    return element


def text_input(placeholder: str, max_length: int, multiline: bool = False, initial: str | None = None) -> dict:
    element = {
        "type": "plain_text_input",
        "action_id": "value",
        "placeholder": plain(placeholder, 150),
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    return element


def input_block(block_id: str, label: str, element: dict, optional: bool = False, hint: str | None = None) -> dict:
    """A form field; its block_id is where a field error is shown (response_action "errors")."""
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}
    block["optional"] = optional
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def modal(callback_id: str, title: str, submit: str, metadata: str, blocks: list[dict]) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": clip(metadata, 3000),
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "blocks": blocks[:MAX_SURFACE_BLOCKS],
    }


def form_modal(callback_id: str, title: str, submit: str, metadata: str, lead: str, *fields: dict) -> dict:
    """A form: a line saying what it is about, then its fields."""
    return modal(callback_id, title, submit, metadata, [section(lead), *fields])


def answer_modal(
    callback_id: str, title: str, submit: str, metadata: str, lead: str, field: tuple[str, str, str, int], **options
) -> dict:
    """A modal that asks one written answer under a line saying what it is about. `field` is (block_id,
    label, placeholder, max_length); `options` are input_block's (optional, hint)."""
    block_id, label, placeholder, max_length = field
    answer = input_block(block_id, label, text_input(placeholder, max_length, multiline=True), **options)
    return form_modal(callback_id, title, submit, metadata, lead, answer)


def reply(text: str, blocks: list[dict] | None = None) -> dict:
    """A private reply to the rep (slash-command response or response_url)."""
    payload: dict = {"response_type": "ephemeral", "text": clip(text, 3000)}
    if blocks:
        payload["blocks"] = blocks[:MAX_MESSAGE_BLOCKS]
    return payload


def told(text: str, **options: object) -> dict:
    """A message that is one section: the same words in the notification and in the block."""
    return {"text": text, "blocks": [section(text)], **options}


def problem(message: str) -> dict:
    """A friendly correction: what went wrong and what to type instead (message is ours, not the user's)."""
    return reply(message, [section(f":thinking_face: {message}")])


def message(text: str, blocks: list[dict]) -> tuple[str, list[dict]]:
    """A message for a channel or a DM: the notification text and its blocks, capped."""
    return clip(text, 3000), blocks[:MAX_MESSAGE_BLOCKS]
