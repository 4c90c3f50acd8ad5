"""Every setting the bot reads is documented where an operator looks: the settings reference (generated from
the docstring under each field of bot/settings/) and .env.example."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_says_what_it_does_and_is_in_the_env_example():
    example = (ROOT / ".env.example").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, f"{name.upper()} has no docstring in bot/settings/"
        assert f"{name.upper()}=" in example, f"{name.upper()} is not in .env.example"


def test_the_settings_reference_lists_every_setting_with_its_meaning():
    import importlib.util

    spec = importlib.util.spec_from_file_location("settings_reference", ROOT / "docs/_hooks/settings_reference.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = (ROOT / "docs/operators/settings.md").read_text()
    table = hook.on_page_markdown(page, None, None, None)
    for name, field in Settings.model_fields.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name.upper()}` |"))
        assert " ".join(field.description.split())[:40] in row
    assert "| `PORT` | `3000` |" in table
