"""MkDocs hook: the settings reference is generated from the settings object itself, so it cannot drift.

The page docs/operators/settings.md holds the marker below; every field of `bot.settings.Settings` becomes a row
(its environment name, its default and the docstring written under it in bot/settings/)."""

from __future__ import annotations

MARKER = "<!-- settings-reference -->"


def _default(field) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None or value == "" or value == {} or value == frozenset():
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (tuple, list, frozenset)):
        return "`" + ",".join(map(str, value)) + "`"
    return f"`{value}`"


def settings_table() -> str:
    from bot.settings import Settings

    rows = ["| Setting | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {_default(field)} | {meaning} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return markdown.replace(MARKER, settings_table()) if MARKER in markdown else markdown
