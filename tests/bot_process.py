"""The real `python -m bot`, started as an operator starts it, for tests of start-up, signals and outages."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.driver import SIGNING_SECRET, SlackDriver

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_once(
    slack, database_url: str, *arguments: str, timeout: int = 60, **settings: str
) -> subprocess.CompletedProcess:
    """One bot command run to its end (`-m bot jobs run …`, or `-c` a script that may kill itself midway),
    against the Slack stand-in and the test database; `settings` are added to its environment."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "x",
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


class BotProcess:
    """`python -m bot` with a clean environment plus `env`; HTTP mode unless SLACK_APP_TOKEN is given."""

    def __init__(self, slack, database_url: str, **env: str) -> None:
        self.port = free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CELEBRAT"))}
        self.env = {
            **clean,
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "CELEBRATION_CHANNEL": "CWINS",
            "SCHEDULER_ENABLED": "false",
            **env,
        }
        self.slack = slack
        self.process: subprocess.Popen | None = None
        self.output = ""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - a file, not a pipe: a chatty bot never blocks on its log

    def start(self) -> BotProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    @property
    def driver(self) -> SlackDriver:
        return SlackDriver(f"http://127.0.0.1:{self.port}/slack/events", self.slack.response_url)

    def health(self, timeout: float = 5.0) -> tuple[int, dict, float]:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=timeout) as response:
                return response.status, json.loads(response.read()), time.perf_counter() - started
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()), time.perf_counter() - started

    def wait_listening(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert self.process.poll() is None, self.finish()
                assert time.monotonic() < deadline, "the bot did not start listening"
                time.sleep(0.1)

    def signal(self, number: int = signal.SIGTERM) -> None:
        self.process.send_signal(number)

    def finish(self, timeout: float = 30.0) -> str:
        """Wait for the process to end on its own (after a signal); its whole output."""
        self.process.wait(timeout=timeout)
        self._log.seek(0)
        self.output = self._log.read().decode("utf-8", errors="replace")
        return self.output

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.finish()
        self._log.close()

    @property
    def returncode(self) -> int | None:
        return self.process.returncode
