"""The manifest a workspace admin pastes into Slack is valid and matches what the bot handles."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from tests.slack_contract import require_specs

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_validates_against_slacks_schema():
    schema = json.loads(require_specs("manifest.schema.1.0.0.json").read_text())
    jsonschema.validate(manifest(), schema)


def test_every_slash_command_in_the_manifest_is_answered_by_the_running_bot(bot):
    declared = {command["command"] for command in manifest()["features"]["slash_commands"]}
    assert {"/opportunity", "/prospect"} <= declared
    for command in sorted(declared):
        reply = bot.driver.command(command, "help" if command == "/opportunity" else "undo")
        assert reply.status == 200, f"{command} is declared but the bot does not answer it"
    assert bot.driver.command("/not-ours", "help").status != 200, "a command nobody declared is not answered"


def test_the_manifest_asks_only_for_scopes_it_uses():
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write"} <= scopes
    assert not {"admin", "channels:history", "chat:write.customize"} & scopes


def test_the_manifest_for_installing_by_link_validates_too():
    """The README's changes for many workspaces: HTTP, a redirect URL, token rotation."""
    schema = json.loads(require_specs("manifest.schema.1.0.0.json").read_text())
    by_link = manifest()
    by_link["oauth_config"]["redirect_urls"] = ["https://coach.example.com/slack/oauth_redirect"]
    by_link["settings"].update(socket_mode_enabled=False, token_rotation_enabled=True)
    by_link["settings"]["interactivity"]["request_url"] = "https://coach.example.com/slack/events"
    by_link["settings"]["event_subscriptions"]["request_url"] = "https://coach.example.com/slack/events"
    for command in by_link["features"]["slash_commands"]:
        command["url"] = "https://coach.example.com/slack/events"
    jsonschema.validate(by_link, schema)


def test_the_default_scopes_for_installing_by_link_are_the_manifests():
    from bot.settings.install import DEFAULT_SCOPES

    assert set(DEFAULT_SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])
