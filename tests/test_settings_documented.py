"""Every setting the bot reads is documented where an operator looks: the README (or a page of the docs
under docs/, where the README is moving) and .env.example."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_readme_and_the_env_example():
    readme = (ROOT / "README.md").read_text() + "".join(page.read_text() for page in (ROOT / "docs").rglob("*.md"))
    example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, f"{name.upper()} is not documented in the README or docs/"
        assert f"{name.upper()}=" in example, f"{name.upper()} is not in .env.example"
