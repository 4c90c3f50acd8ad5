"""Slack's workspace-wide budgets as every instance spends them together (bot/slack_pace.py): however the
instances' sends interleave, no minute holds more posts, or more directory pages, than Slack allows the
workspace. Time here is a simulated clock the budgets wait on, so a test covers minutes without waiting
for them."""

from __future__ import annotations

from bisect import bisect_left

import pytest

from bot import slack_pace
from bot.app import create_services
from tests.conftest import settings_for


class SimulatedTime:
    """time.time and time.sleep for the budgets: sleeping moves the clock on at once."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@pytest.fixture
def simulated(monkeypatch) -> SimulatedTime:
    clock = SimulatedTime()
    monkeypatch.setattr(slack_pace, "time", clock)
    return clock


def busiest_minute(moments: list[float], minute: float = 60.0) -> int:
    """The most calls any minute (sliding, as Slack reads its limits) holds."""
    moments = sorted(moments)
    return max(index - bisect_left(moments, moment - minute + 1e-9) + 1 for index, moment in enumerate(moments))


def test_two_instances_posting_a_long_slot_never_put_more_than_slacks_limit_into_a_minute(slack, db, simulated):
    instances = [create_services(settings_for(slack, db), db=db) for _ in range(2)]
    posted = []
    for turn in range(3000):  # the two instances' sending threads take turns in any order
        slack_pace.wait_to_post(instances[turn % 3 % 2])
        posted.append(simulated.time())

    assert busiest_minute(posted) <= 600, "chat.postMessage: 600 a minute per workspace"
    minutes = (posted[-1] - posted[0]) / 60
    assert minutes < 3000 / 600 * 1.05, "and close to Slack's pace: the budget is spent, not wasted"


def test_a_turn_reached_late_is_let_go_rather_than_bunching_posts_up(slack, db, simulated):
    # Slack's minute shortened tenfold, its limits raised to match (as the fan-out benchmark runs): a
    # block of turns is then many posts, and a slow moment must not send the late ones at once.
    services = create_services(settings_for(slack, db, slack_rate_limits="chat.postMessage=6000"), db=db)
    posted = []
    for turn in range(5000):
        if turn % 1500 == 1490:  # early in a block of turns
            simulated.sleep(1)  # every sending thread was busy for a while
        slack_pace.wait_to_post(services)
        posted.append(simulated.time())

    assert busiest_minute(posted, minute=6.0) <= 600


def test_the_directory_is_read_under_tier_2_whoever_reads_it(slack, db, simulated):
    instances = [create_services(settings_for(slack, db), db=db) for _ in range(2)]
    pages = []
    for page in range(50):  # 50,000 people, a thousand a page
        slack_pace.wait_for_turn(instances[page % 2], "users.list")
        pages.append(simulated.time())

    assert busiest_minute(pages) <= 20, "users.list is Tier 2: 20 a minute"
    assert (pages[-1] - pages[0]) / 60 < 50 / 20 * 1.05
