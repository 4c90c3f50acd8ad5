"""A running sandbox for tests: the real bot, the embedded Slack with the demo team, a fixed start.

The sandbox opens its own SQLite file (in a temporary folder), so these tests never touch the shared
test database.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import runner
from bot.sandbox.people import CHANNEL_ID, MAYA

# A Sunday afternoon in New York: nobody is at work, so nothing is due until the clock moves.
SUNDAY = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
BLOCKS_JS = Path(runner.__file__).with_name("static") / "blocks.js"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[runner.Sandbox]:
    running = runner.start(0, tmp_path_factory.mktemp("sandbox") / "sandbox.db", SUNDAY, demo=True)
    yield running
    running.stop()


def page_call(sandbox: runner.Sandbox, path: str, body: dict | None = None) -> dict:
    """What the page does: GET its state, or POST what a person did."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(sandbox.url + path.lstrip("/"), data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def seen_by(sandbox: runner.Sandbox, user: str = MAYA.id) -> dict:
    return page_call(sandbox, f"/sandbox/state?user={user}")


def messages_in(state: dict, channel: str = CHANNEL_ID) -> list[dict]:
    return next(c for c in state["conversations"] if c["id"] == channel)["messages"]


def wait_until(check, timeout: float = 8.0, what: str = "the page to change"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def supported(name: str) -> set[str]:
    """The renderer's own list of what it draws (BLOCKS, ELEMENTS or TEXTS in static/blocks.js)."""
    found = re.search(rf"const {name} = \[([^\]]*)\]", BLOCKS_JS.read_text())
    assert found, f"blocks.js declares no {name}"
    return set(re.findall(r'"([a-z_]+)"', found.group(1)))
