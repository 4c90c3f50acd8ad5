"""An admin setting the bot up gets one clear line for each mistake, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.driver import SIGNING_SECRET, SlackDriver

ROOT = Path(__file__).resolve().parents[1]
BASE = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "_env_file": None}


def run_bot(env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CELEBRAT"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_defaults_suit_a_first_run():
    settings = load_settings(**BASE)
    assert settings.database_url == "sqlite:///pipeline_coach.db"
    assert settings.open_stages == ("Prospecting", "Discovery", "Proposal", "Negotiation")
    assert settings.all_stages[-2:] == ("Won", "Lost")
    assert settings.celebrate_amounts is False
    assert settings.socket_mode is False


def test_stages_can_be_replaced_with_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("OPEN_STAGES", "Qualify, Demo ,Trial")
    assert load_settings(**BASE).open_stages == ("Qualify", "Demo", "Trial")


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"slack_bot_token": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"slack_app_token": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"port": "eighty"}, "PORT"),
        ({"open_stages": "Discovery,Won"}, "OPEN_STAGES"),
        ({"team_timezone": "Mars/Olympus"}, "TEAM_TIMEZONE"),
        ({"slack_signing_secret": ""}, "SLACK_SIGNING_SECRET"),
        ({"db_connect_timeout": "1"}, "DB_CONNECT_TIMEOUT"),
        ({"db_statement_timeout": "0"}, "DB_STATEMENT_TIMEOUT"),
        ({"worker_threads": "many"}, "WORKER_THREADS"),
        ({"manager_slot": "someday"}, "MANAGER_SLOT"),
        ({"number_rides_share": "0"}, "NUMBER_RIDES_SHARE"),
        ({"opening_pace_weeks": "0"}, "OPENING_PACE_WEEKS"),
        ({"own_history_min_closed": "none"}, "OWN_HISTORY_MIN_CLOSED"),
        ({"early_stage_count": "11"}, "EARLY_STAGE_COUNT"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(overrides, names):
    with pytest.raises(SettingsError) as problem:
        load_settings(**{**BASE, **overrides})
    assert names in str(problem.value)
    assert "\n" not in str(problem.value)


def test_starting_without_a_token_prints_one_line_and_exits_2(tmp_path):
    result = run_bot({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Setting SLACK_BOT_TOKEN is missing: set it in the environment or in .env (see .env.example)."
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_bad_port_exits_2_naming_it(tmp_path):
    result = run_bot({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "99999"})
    assert result.returncode == 2
    assert "PORT" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_prepares_the_database(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    result = run_bot(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.db").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_bot_serves_slack_over_http(tmp_path, slack):
    """The real entry point, as an operator runs it: health check, then a signed slash command."""
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PORT": str(port),
        "CELEBRATION_CHANNEL": "CWINS",
        "SCHEDULER_ENABLED": "false",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the bot did not start listening"
                time.sleep(0.2)
        driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", slack.response_url)
        reply = driver.command("/opportunity", "new Acme renewal 48k")
        assert reply.status == 200 and reply.seconds < 3
        assert "Acme renewal" in slack.wait_for("chat.postMessage", timeout=10)[0].args["text"]
        assert "Acme renewal" in slack.wait_for("response_url", timeout=10)[0].args["text"]
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output


def test_a_port_already_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
            "PORT": str(port),
            "SCHEDULER_ENABLED": "false",
        }
        result = run_bot(env)
    assert result.returncode == 2
    assert f"Could not listen on PORT {port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        ({"hubspot_client_id": "5f1c"}, "HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET go together"),
        ({"salesforce_client_id": "3MVG", "salesforce_client_secret": "s3"}, "SALESFORCE_CLIENT_ID needs PUBLIC_URL"),
        ({"public_url": "coach.example.com"}, "PUBLIC_URL"),
    ],
)
def test_a_crm_app_half_set_up_is_one_line(overrides, line):
    with pytest.raises(SettingsError) as problem:
        load_settings(**BASE, **overrides)
    assert line in str(problem.value) and len(str(problem.value).splitlines()) == 1
