"""Every setting the bot reads is documented where an operator looks: the README and .env.example."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_documentation_and_the_env_example():
    documented = (ROOT / "README.md").read_text() + "".join(
        page.read_text() for page in sorted((ROOT / "docs").rglob("*.md"))
    )
    example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in documented, f"{name.upper()} is not documented in the README or docs/"
        assert f"{name.upper()}=" in example, f"{name.upper()} is not in .env.example"
