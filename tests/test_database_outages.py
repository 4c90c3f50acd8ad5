"""The database fails under the real `python -m bot` (through tests/fault_proxy.py): refused, then silent.
Every command is still acknowledged within Slack's 3 s, every reply is true (nothing was stored, and the
rep is told so), /healthz answers within a second with 503 and the reason, and when the database
comes back the bot recovers on its own.

PostgreSQL only (COACH_TEST_DATABASE_URL=postgresql+psycopg://…): the proxy stands in the network between
the bot and the database, and SQLite has no network to fail.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from storage.models import Activity, Opportunity, Quota
from tests.bot_process import BotProcess
from tests.driver import SlackDriver
from tests.fault_proxy import FaultProxy

# A rep's usual commands; all but `help` need the database.
COMMANDS = [
    ("/opportunity", "new Outage deal 10k"),
    ("/opportunity", "list"),
    ("/opportunity", "won acme"),
    ("/prospect", "10 calls 1h"),
    ("/opportunity", "log acme 1h"),
    ("/opportunity", "quota 100k"),
    ("/opportunity", "health"),
    ("/opportunity", "coach"),
    ("/opportunity", "help"),
]
NOTHING_CHANGED = "nothing was saved"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def needs_postgresql(db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("needs PostgreSQL (COACH_TEST_DATABASE_URL): the fault proxy sits on the network to it")


@pytest.fixture
def proxied_bot(db, slack):
    needs_postgresql(db)
    proxy = FaultProxy.in_front_of(db.url).start()
    bot = BotProcess(slack, proxy.url(db.url)).start()
    try:
        bot.wait_listening()
        yield bot, proxy
    finally:
        bot.stop()
        proxy.stop()


def contents(db) -> tuple:
    with db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Opportunity)),
            session.scalar(select(func.count()).select_from(Opportunity).where(Opportunity.status == "open")),
            session.scalar(select(func.count()).select_from(Activity)),
            session.scalar(select(func.count()).select_from(Quota)),
        )


def wait_healthy(bot, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while bot.health()[0] != 200:
        assert time.monotonic() < deadline, "the bot did not recover when the database came back"
        time.sleep(0.2)


def outage(bot, proxy, slack, db, fail) -> dict:
    """Seed a deal, fail the database, send every command at once; the counts a rep would care about."""
    assert bot.driver.command("/opportunity", "new Acme renewal").status == 200
    slack.wait_for("response_url", timeout=10)
    before = contents(db)
    fail()

    def send(numbered):
        number, (command, text) = numbered
        rep = SlackDriver(bot.driver.events_url, f"{slack.response_url}/{number}")
        return rep.command(command, text)

    with ThreadPoolExecutor(len(COMMANDS)) as pool:
        acks = list(pool.map(send, enumerate(COMMANDS)))
    health_status, health_body, health_seconds = bot.health()

    replies = []
    for number, ack in enumerate(acks):
        if ack.body:  # answered in the ack itself (help)
            replies.append(ack.json.get("text", ""))
            continue
        deadline = time.monotonic() + 15
        while not (found := [c for c in slack.of("response_url") if c.path.endswith(f"/{number}")]):
            assert time.monotonic() < deadline, f"no reply to {COMMANDS[number]}: {acks}"
            time.sleep(0.05)
        replies.append(found[0].args.get("text", ""))
    proxy.passing()
    wait_healthy(bot)
    after = contents(db)

    needs_db = [reply for (command, text), reply in zip(COMMANDS, replies, strict=True) if text != "help"]
    return {
        "acked_in_3s": sum(ack.status == 200 and ack.seconds < 3 for ack in acks),
        "slowest_ack": max(ack.seconds for ack in acks),
        "told_nothing_changed": sum(NOTHING_CHANGED in reply for reply in needs_db),
        "false_messages": sum(NOTHING_CHANGED not in reply for reply in needs_db) + (before != after) * len(needs_db),
        "health": (health_status, health_body, health_seconds),
    }


def check(counts: dict, label: str) -> None:
    print(f"\n{label}: {counts}")
    assert counts["acked_in_3s"] == len(COMMANDS)
    assert counts["told_nothing_changed"] == len(COMMANDS) - 1
    assert counts["false_messages"] == 0
    status, body, seconds = counts["health"]
    assert status == 503 and body["database"] == "unreachable" and body["reason"]
    assert seconds < 1


def recovers(bot, slack, db) -> None:
    rep = SlackDriver(bot.driver.events_url, f"{slack.response_url}/after")
    assert rep.command("/opportunity", "new After the outage").status == 200
    deadline = time.monotonic() + 10
    while not (found := [c for c in slack.of("response_url") if c.path.endswith("/after")]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "After the outage" in found[0].args["text"] and NOTHING_CHANGED not in found[0].args["text"]
    assert bot.health()[0] == 200


def test_a_refused_database_gets_fast_true_answers_and_the_bot_recovers(proxied_bot, slack, db):
    bot, proxy = proxied_bot
    check(outage(bot, proxy, slack, db, proxy.refusing), "database refused")
    recovers(bot, slack, db)


def test_a_silent_database_gets_fast_true_answers_and_the_bot_recovers(proxied_bot, slack, db):
    bot, proxy = proxied_bot
    check(outage(bot, proxy, slack, db, proxy.hanging), "database silent")
    recovers(bot, slack, db)


def test_a_burst_bigger_than_the_listener_pool_is_still_acknowledged_in_time(proxied_bot, slack, db):
    """More commands at once than WORKER_THREADS (16), the database silent: the pool is held at most
    DB_STATEMENT_TIMEOUT (2 s) per wave, so the second wave is still answered inside Slack's 3 s."""
    bot, proxy = proxied_bot
    burst = 24
    before = contents(db)
    proxy.hanging()
    with ThreadPoolExecutor(burst) as pool:
        acks = list(pool.map(lambda n: bot.driver.command("/opportunity", f"new Burst {chr(65 + n)}"), range(burst)))
    replies = slack.wait_for("response_url", burst, timeout=20)
    proxy.passing()
    wait_healthy(bot)

    counts = {
        "acked_in_3s": sum(ack.status == 200 and ack.seconds < 3 for ack in acks),
        "slowest_ack": max(ack.seconds for ack in acks),
        "told_nothing_changed": sum(NOTHING_CHANGED in call.args.get("text", "") for call in replies),
    }
    print(f"\nburst of {burst}, database silent: {counts}")
    assert counts["acked_in_3s"] == burst
    assert counts["told_nothing_changed"] == burst and contents(db) == before
    recovers(bot, slack, db)


def test_the_proxy_cuts_at_commit_after_the_server_has_it(db):
    """The proxy's own check: after a cut at COMMIT, the row is stored though the client saw an error."""
    needs_postgresql(db)
    from storage.db import Database, DatabaseUnavailable

    proxy = FaultProxy.in_front_of(db.url).start()
    through = Database(proxy.url(db.url))
    try:
        proxy.cutting_at_commit(after_forwarding=True)
        with pytest.raises(DatabaseUnavailable), through.transaction() as session:
            session.add(Quota(team_id="T1", user_id="U1", period_start=date(2026, 10, 1), amount=1000, set_at=NOW))
        assert proxy.commits_cut == 1
        assert contents(db)[3] == 1
    finally:
        through.dispose()
        proxy.stop()


@pytest.mark.parametrize("statement_limit", [1.0, 3.0], ids=["our limit ends it", "the driver's connect limit ends it"])
def test_a_connect_that_hangs_makes_the_next_request_fail_at_once(db, statement_limit):
    """No pooled connection yet and the network silent: the first transaction waits out its limit while
    connecting (ours, or the driver's 2 s connect timeout, whichever ends first); the one after it must not
    wait again, or a burst's second wave misses Slack's window."""
    needs_postgresql(db)
    from storage.db import Database, DatabaseUnavailable
    from storage.timeouts import Timeouts

    proxy = FaultProxy.in_front_of(db.url).start()
    through = Database(proxy.url(db.url), timeouts=Timeouts(connect=2, statement=statement_limit, pool=0.5))
    try:
        proxy.hanging()
        with pytest.raises(DatabaseUnavailable), through.transaction() as session:
            session.execute(select(func.count()).select_from(Quota))
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as second, through.transaction() as session:
            session.execute(select(func.count()).select_from(Quota))
        assert time.monotonic() - started < 0.2 and not second.value.reached

        proxy.passing()
        assert through.problem(timeout=5) is None
        with through.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Quota)) == 0
    finally:
        through.dispose()
        proxy.stop()
