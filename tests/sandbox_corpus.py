"""Every message and view the bot builds, gathered from a sandbox after a visitor has used every surface,
and the Block Kit types inside them (what the page's renderer must draw)."""

from __future__ import annotations

from collections.abc import Iterator

TEXT_KEYS = ("text", "label", "hint", "placeholder", "title", "submit", "close")


def payloads(sandbox) -> list[tuple[str, list[dict]]]:
    """(where it was seen, its blocks) for every message in every conversation, every Home tab and modal."""
    workspace = sandbox.workspace
    found: list[tuple[str, list[dict]]] = []
    with workspace.lock:
        for conversation in workspace.conversations.values():
            for message in conversation.messages:
                if message.blocks:
                    found.append((f"message in {conversation.name}: {message.text[:60]}", message.blocks))
        for user, view in workspace.homes.items():
            found.append((f"Home of {user}", view.get("blocks") or []))
    for call in sandbox.slack.calls:
        view = call.args.get("view")
        if call.method.startswith("views.") and isinstance(view, dict):
            found.append((f"{call.method} {view.get('callback_id', '')}", view.get("blocks") or []))
    return found


def types_in(blocks: list[dict]) -> Iterator[tuple[str, str]]:
    """("block" | "element" | "text", type) for everything inside the blocks."""
    for block in blocks:
        yield "block", block.get("type", "?")
        for key in TEXT_KEYS:
            if isinstance(block.get(key), dict):
                yield "text", block[key].get("type", "?")
        for field in block.get("fields") or []:
            yield "text", field.get("type", "?")
        for element in [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]:
            if not isinstance(element, dict):
                continue
            if element.get("type") in ("mrkdwn", "plain_text"):
                yield "text", element["type"]
                continue
            yield "element", element.get("type", "?")
            for key in TEXT_KEYS:
                if isinstance(element.get(key), dict):
                    yield "text", element[key].get("type", "?")
