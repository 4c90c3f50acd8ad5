"""Slack's per-method limits, kept by every thread together: the pace, a Retry-After that pauses the whole
fan-out, and people's requests that never queue behind it."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.ratelimit import RateLimiter, background_work, parse_limits
from bot.settings import SettingsError, load_settings
from bot.slack_client import make_client
from tests.conftest import SIGNING_SECRET


def client_for(slack, **overrides):
    settings = load_settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        _env_file=None,
        **overrides,
    )
    return make_client(settings)


def test_calls_beyond_the_burst_go_at_the_methods_pace():
    limiter = RateLimiter({"chat.postMessage": 600})  # ten a second, a burst of a hundred
    started = time.monotonic()
    for _ in range(100):
        limiter.acquire("chat.postMessage")
    burst = time.monotonic() - started
    for _ in range(10):
        limiter.acquire("chat.postMessage")
    paced = time.monotonic() - started - burst
    assert burst < 0.2
    assert 0.8 < paced < 1.6


def test_each_method_has_its_own_tier():
    limiter = RateLimiter()
    assert limiter.per_minute("users.list") == 20
    assert limiter.per_minute("users.info") == 100
    assert limiter.per_minute("conversations.history") == 50
    assert limiter.per_minute("chat.postMessage") == 600
    assert RateLimiter({"users.info": 10}).per_minute("users.info") == 10


def test_a_retry_after_pauses_every_thread_of_the_fan_out_not_only_the_one_that_got_it(slack):
    client = client_for(slack)
    slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})

    def post(user: str) -> None:
        with background_work():
            client.chat_postMessage(channel=user, text="hi")

    first = threading.Thread(target=post, args=("U0",))
    first.start()
    [limited] = slack.wait_for("chat.postMessage", 1)
    time.sleep(0.1)  # the 429 is back with its Retry-After; now the rest of the fan-out wants to post
    others = [threading.Thread(target=post, args=(f"U{n}",)) for n in range(1, 5)]
    for thread in [*others]:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)

    calls = slack.of("chat.postMessage")
    assert sorted(call.args["channel"] for call in calls[1:]) == ["U0", "U1", "U2", "U3", "U4"]
    assert all(call.at - limited.at >= 0.95 for call in calls[1:]), "a thread posted during Slack's pause"


def test_a_persons_request_is_not_held_by_the_fan_outs_pause(slack):
    client = client_for(slack)
    client.limiter.pause("chat.postEphemeral", 5)
    started = time.monotonic()
    client.chat_postEphemeral(channel="C1", user="U1", text="Saved.")
    assert time.monotonic() - started < 1


A_FORM = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "New opportunity"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Name it."}}],
}


def test_a_form_slack_answers_429_is_not_retried_past_its_trigger(slack):
    client = client_for(slack)
    slack.queue("views.open", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "30"})
    started = time.monotonic()
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id="T1", view=A_FORM)
    assert raised.value.response["error"] == "ratelimited"
    assert time.monotonic() - started < 1 and len(slack.of("views.open")) == 1


def test_the_fan_out_leaves_tokens_for_people_who_are_typing():
    limiter = RateLimiter({"chat.postMessage": 60})  # one a second, a burst of ten, two kept for people
    with background_work():
        for _ in range(8):
            limiter.acquire("chat.postMessage")
        blocked = threading.Event()

        def ninth() -> None:
            with background_work():
                limiter.acquire("chat.postMessage")
            blocked.set()

        threading.Thread(target=ninth, daemon=True).start()
        assert not blocked.wait(0.3), "the fan-out took the tokens kept for people"
    started = time.monotonic()
    limiter.acquire("chat.postMessage")
    limiter.acquire("chat.postMessage")
    assert time.monotonic() - started < 0.1


def test_waiting_for_room_takes_no_call_and_lasts_until_one_may_go():
    limiter = RateLimiter({"views.publish": 60})  # one a second, a burst of ten
    for _ in range(20):
        limiter.wait_for_room("views.publish")  # room now, and none of it taken
    started = time.monotonic()
    for _ in range(10):
        limiter.acquire("views.publish")
    assert time.monotonic() - started < 0.5, "waiting for room took calls of the burst"

    ready = threading.Event()

    def wait() -> None:
        limiter.wait_for_room("views.publish")
        ready.set()

    threading.Thread(target=wait, daemon=True).start()
    assert not ready.wait(0.3), "room was found in an empty bucket"
    assert ready.wait(5)


def test_limits_are_read_from_one_setting():
    assert parse_limits("chat.postMessage=300, users.info=50") == {"chat.postMessage": 300, "users.info": 50}
    assert parse_limits("") == {}
    with pytest.raises(ValueError, match="chat.postMessage=300"):
        parse_limits("chat.postMessage:300")


def test_a_malformed_rate_limit_setting_is_named_in_one_line():
    with pytest.raises(SettingsError) as problem:
        load_settings(
            slack_bot_token="xoxb-x", slack_signing_secret="s", slack_rate_limits="users.info=0", _env_file=None
        )
    assert str(problem.value).startswith("Setting SLACK_RATE_LIMITS:")
    assert "\n" not in str(problem.value)
