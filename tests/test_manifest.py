"""The manifest a workspace admin pastes into Slack is valid and matches what the bot handles."""

from __future__ import annotations

import json
import re
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


def test_every_slash_command_the_bot_handles_is_declared():
    source = (MANIFEST.parent / "handlers" / "commands.py").read_text()
    handled = set(re.findall(r'app\.command\("(/[a-z_-]+)"\)', source))
    declared = {command["command"] for command in manifest()["features"]["slash_commands"]}
    assert "/opportunity" in handled
    assert handled == declared


def test_the_manifest_asks_only_for_scopes_it_uses():
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write"} <= scopes
    assert not {"admin", "channels:history", "chat:write.customize"} & scopes
