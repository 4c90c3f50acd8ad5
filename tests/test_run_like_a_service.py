"""An operator runs the bot like any service they run: started with one command (`pipeline-coach`), logs
a log system parses (LOG_FORMAT=json) where one request can be followed by its workspace and id, and
GET /metrics for Prometheus on the bot's port (HTTP mode) or on METRICS_PORT (Socket Mode)."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.__main__ import CONSOLE_SCRIPT
from bot.jobs import JOBS
from bot.logs import configure_logging
from storage import reps
from tests.bot_process import ROOT, BotProcess, free_port
from tests.socket_driver import SocketDriver
from tests.test_metrics import FRIDAY_3PM_NEW_YORK, read_metrics, value
from tests.test_time_zones_bulk import directory

APP_TOKEN = "xapp-1-A1-test"
STORED_COMMANDS = ("pipeline_coach_requests_total", {"surface": "command", "outcome": "stored"})


def json_lines(output: str) -> list[dict]:
    """Every line the process wrote, each of which must be one JSON object."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.http_only
def test_a_command_is_followed_through_json_logs_by_its_workspace_and_request_id(slack, tmp_path):
    bot = BotProcess(slack, f"sqlite:///{tmp_path}/json.db", LOG_FORMAT="json", LOG_LEVEL="DEBUG").start()
    try:
        bot.wait_listening()
        assert bot.driver.command("/opportunity", "new Acme renewal 48k").status == 200
        slack.wait_for("chat.postMessage", timeout=10)
        scraped = read_metrics(f"http://127.0.0.1:{bot.port}/metrics")  # on the bot's own port, by waitress
        bot.signal()
        lines = json_lines(bot.finish())
    finally:
        bot.stop()

    assert value(scraped, STORED_COMMANDS[0], **STORED_COMMANDS[1]) == 1
    assert {"time", "level", "logger", "message", "workspace", "request_id", "job", "job_id"} <= set(lines[0])
    requests = {line["request_id"] for line in lines if line["workspace"] == "T1" and line["request_id"]}
    assert len(requests) == 1, "one command, one request id"
    [request_id] = requests
    replied = [line for line in lines if line["request_id"] == request_id and "Opened #1 Acme" in line["message"]]
    assert replied, "the reply, sent after the ack from a listener's thread, carries the request's id"
    assert not any(line["level"] == "ERROR" for line in lines)


@pytest.fixture
def socket_bot_with_metrics(slack, socket_server, tmp_path):
    port = free_port()
    bot = BotProcess(
        slack, f"sqlite:///{tmp_path}/socket.db", SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="",
        METRICS_PORT=str(port),
    ).start()  # fmt: skip
    try:
        socket_server.wait_connected(1, timeout=30)
    except AssertionError as error:
        bot.stop()
        raise AssertionError(bot.output) from error
    yield bot, port, SocketDriver(socket_server, slack.response_url)
    bot.stop()


def test_socket_mode_serves_metrics_on_metrics_port(socket_bot_with_metrics, slack):
    bot, port, rep = socket_bot_with_metrics
    assert rep.command("/opportunity", "new Acme renewal 48k").status == 200
    slack.wait_for("response_url", timeout=10)

    scraped = read_metrics(f"http://127.0.0.1:{port}/metrics")
    assert value(scraped, STORED_COMMANDS[0], **STORED_COMMANDS[1]) == 1
    assert value(scraped, "pipeline_coach_ack_seconds_count", surface="command") == 1
    bot.signal()
    assert "Traceback" not in bot.finish() and bot.returncode == 0


def test_a_metrics_port_already_taken_is_one_line_and_exit_2(slack, socket_server, tmp_path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = BotProcess(
            slack, f"sqlite:///{tmp_path}/taken.db", SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="",
            METRICS_PORT=str(port),
        ).start()  # fmt: skip
        try:
            output = bot.finish(timeout=30)
        finally:
            bot.stop()
    assert bot.returncode == 2
    assert f"Could not serve GET /metrics on METRICS_PORT {port}" in output and "Traceback" not in output


def console_script() -> list[str]:
    """The installed `pipeline-coach` (pip install puts it beside the interpreter); from a source tree that
    was never installed, the very function pyproject.toml declares for it, started under its name."""
    installed = Path(sys.executable).with_name(CONSOLE_SCRIPT)
    if installed.exists():
        return [str(installed)]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"][CONSOLE_SCRIPT]
    module, function = declared.split(":")
    start = f"import sys; sys.argv[0] = {CONSOLE_SCRIPT!r}; from {module} import {function}; {function}()"
    return [sys.executable, "-c", start]


def pipeline_coach(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "LOG_"))}
    return subprocess.run(
        [*console_script(), *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_pipeline_coach_is_the_same_command_as_python_m_bot():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert declared == {CONSOLE_SCRIPT: "bot.__main__:console"}

    helped = pipeline_coach("--help")
    assert helped.returncode == 0 and helped.stdout.startswith(f"usage: {CONSOLE_SCRIPT} ")
    for subcommand in ("run", "db", "jobs", "crm", "import", "sandbox", "workspace"):
        assert subcommand in helped.stdout

    listed = pipeline_coach("jobs", "list")
    assert listed.returncode == 0 and "reflections" in listed.stdout


def test_pipeline_coach_upgrades_the_database_and_a_bad_setting_is_one_line_and_exit_2(tmp_path):
    upgraded = pipeline_coach(
        "db", "upgrade", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", DATABASE_URL=f"sqlite:///{tmp_path}/c.db"
    )
    assert upgraded.returncode == 0 and "Database is up to date." in upgraded.stdout

    refused = pipeline_coach("db", "upgrade", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", LOG_FORMAT="xml")
    assert refused.returncode == 2
    said = "Setting LOG_FORMAT: Input should be 'plain' or 'json' (see .env.example)."
    assert refused.stderr.strip().splitlines() == [said]


def test_a_job_s_log_lines_carry_its_name_run_id_and_workspace_even_from_the_fan_out_s_threads(bot, clock):
    users = ["U01", "U02"]
    reps.ensure_reps(bot.db, "T1", users, FRIDAY_3PM_NEW_YORK)
    bot.slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}, page=50))
    bot.slack.queue("chat.postMessage", {"ok": False, "error": "fatal_error"})  # one send fails: retried later
    clock.set(FRIDAY_3PM_NEW_YORK)
    captured = io.StringIO()
    handler = configure_logging("INFO", stream=captured, log_format="json")
    try:
        JOBS["reflections"].run(bot.services, FRIDAY_3PM_NEW_YORK)
    finally:
        logging.getLogger().removeHandler(handler)

    failed = [line for line in json_lines(captured.getvalue()) if "fatal_error" in line["message"]]
    assert len(failed) == 1 and failed[0]["level"] == "WARNING"
    [line] = failed
    assert line["job"] == "reflections" and line["workspace"] == "T1" and line["job_id"]
    assert line["request_id"] is None
