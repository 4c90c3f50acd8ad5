"""Setting up installs by link: the settings that go together are checked together (one line each, exit
status 2), and the real `python -m bot` serves the install page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.sealed import new_key
from bot.settings import SettingsError, load_settings
from tests.test_settings import ROOT, free_port, run_bot

KEY = new_key()
OAUTH = {
    "slack_client_id": "1.2", "slack_client_secret": "x", "slack_signing_secret": "s", "encryption_key": KEY,
    "_env_file": None,
}  # fmt: skip


def test_installing_by_link_needs_no_bot_token():
    settings = load_settings(**OAUTH)
    assert settings.oauth and settings.slack_bot_token is None
    assert "channels:join" in settings.slack_scopes


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"slack_client_secret": None}, "SLACK_CLIENT_SECRET"),
        ({"slack_app_token": "xapp-1"}, "HTTP mode"),
        ({"week_start_day": "someday"}, "WEEK_START_DAY"),
        ({"admin_group": "@ops"}, "ADMIN_GROUP"),
        ({"workspace_retention_days": -1}, "WORKSPACE_RETENTION_DAYS"),
    ],
)
def test_each_mistake_is_one_line_naming_it(overrides, named):
    with pytest.raises(SettingsError) as raised:
        load_settings(**{**OAUTH, **overrides})
    assert named in str(raised.value) and "\n" not in str(raised.value)


def test_installing_by_link_without_an_encryption_key_stops_with_one_line_saying_how_to_make_one():
    result = run_bot(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "SLACK_SIGNING_SECRET": "s", "ENCRYPTION_KEY": "",
         "SECRETS_KEY": ""}
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "ENCRYPTION_KEY" in result.stderr and "python -m bot keys new" in result.stderr


def test_a_client_id_without_its_secret_stops_the_bot_with_status_2():
    result = run_bot({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"})
    assert result.returncode == 2
    assert "SLACK_CLIENT_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_python_m_bot_serves_the_install_page(tmp_path, slack):
    port = free_port()
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "secret",
        "SLACK_STATE_SECRET": "state",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/install.db",
        "PORT": str(port),
        "SCHEDULER_ENABLED": "false",
        "ENCRYPTION_KEY": KEY,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env={**clean, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/slack/install", timeout=2) as response:
                    page = response.read().decode()
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the bot did not start listening"
                time.sleep(0.2)
        assert "https://slack.com/oauth/v2/authorize?" in page and "client_id=1111.2222" in page
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output
