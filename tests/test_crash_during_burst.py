"""A deploy's SIGTERM or a `kill -9` in the middle of a burst of new deals: every deal Slack was told was
accepted (an acknowledged request) is in the database, through the real `python -m bot`."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import opportunities as store
from storage.db import Database
from tests.bot_process import BotProcess

BURST = 50


def deal_name(number: int) -> str:
    """'Burst bc' for 12: no digits, which quick entry would read as an amount."""
    return "Burst " + "".join(chr(ord("a") + int(digit)) for digit in str(number))


def stored_names(url: str) -> set[str]:
    db = Database(url)
    try:
        return {opp.name for opp in store.open_opportunities(db, "T1", "U1", BURST + 10)[0]}
    finally:
        db.dispose()


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill -9", "SIGTERM"])
def test_no_acknowledged_deal_is_lost_when_the_bot_is_stopped_mid_burst(slack, tmp_path, stop):
    url = f"sqlite:///{tmp_path}/burst.db"
    bot = BotProcess(slack, url).start()
    bot.wait_listening()
    driver = bot.driver
    halfway = threading.Event()

    def send(number: int):
        if number == BURST // 3:
            halfway.set()
        try:
            return deal_name(number), driver.command("/opportunity", f"new {deal_name(number)}")
        except OSError:  # the process was gone before it answered: Slack shows the rep a failure
            return deal_name(number), None

    with ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(send, number) for number in range(BURST)]
        halfway.wait(10)
        time.sleep(0.05)
        bot.signal(stop)
        results = [future.result() for future in futures]
    bot.finish()

    acknowledged = {name for name, reply in results if reply is not None and reply.status == 200}
    lost = acknowledged - stored_names(url)
    print(f"\n{stop.name}: {len(acknowledged)} of {BURST} acknowledged, {len(lost)} acknowledged but lost")
    assert acknowledged, "some requests were acknowledged before the stop"
    assert not lost, f"acknowledged but not stored: {sorted(lost)}"
