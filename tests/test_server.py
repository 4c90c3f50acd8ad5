"""The bot as Slack and an operator meet it over HTTP: signatures, fast acks, and a health check."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from storage import opportunities as store
from tests.driver import sign


def health(bot) -> tuple[int, dict]:
    url = bot.driver.events_url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.http_only
def test_a_request_with_a_bad_signature_is_refused(bot):
    reply = bot.driver.command("/opportunity", "new Acme renewal", signature="v0=" + "0" * 64)

    assert reply.status == 401
    bot.slack.settle()
    assert store.open_opportunities(bot.db, "T1", "U1", 10)[1] == 0


@pytest.mark.http_only
def test_a_replayed_request_with_a_stale_timestamp_is_refused(bot):
    old = int(time.time()) - 60 * 10
    body = urlencode({"command": "/opportunity", "text": "new Acme", "team_id": "T1", "user_id": "U1"})
    reply = bot.driver.post(body, "application/x-www-form-urlencoded", timestamp=old, signature=sign(body, old))
    assert reply.status == 401


@pytest.mark.http_only
def test_the_health_check_reports_the_database(bot):
    assert health(bot) == (200, {"ok": True, "database": "reachable"})


@pytest.mark.http_only
def test_the_health_check_says_when_the_database_is_down(make_bot, monkeypatch):
    bot = make_bot()
    monkeypatch.setattr(bot.db, "problem", lambda timeout: "OperationalError: connection refused")
    assert health(bot) == (
        503,
        {"ok": False, "database": "unreachable", "reason": "OperationalError: connection refused"},
    )


def test_acknowledgements_stay_fast_even_when_slack_is_slow(bot):
    """The channel post waits on Slack (here: a 429 asking for a 1 s pause); the rep's ack must not."""
    bot.slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda n: bot.command(f"new Deal {n} 10k"), range(8)))

    assert all(reply.status == 200 for reply in replies)
    assert max(reply.seconds for reply in replies) < 1.0
    bot.replies(8)
    assert store.open_opportunities(bot.db, "T1", "U1", 10)[1] == 8
