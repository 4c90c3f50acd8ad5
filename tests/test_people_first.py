"""People's requests before the coach's own work: background work steps aside while a request waits for
its answer (bot/workers.PeopleFirst), work after an answer never holds the place of a request still
waiting for its own (bot/workers.ListenerPool), and SQLite's writers take turns inside the process
(storage/single_writer.py) instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import contextvars
import threading
import time
from time import sleep as time_sleep

import pytest
from slack_bolt.listener import thread_runner
from slack_bolt.request import BoltRequest
from sqlalchemy import text

from bot import workers
from bot.workers import BudgetedAck, ListenerPool, PeopleFirst
from storage.db import Database
from storage.timeouts import AnswerBudget, current_budget


def test_background_work_goes_on_once_the_request_is_answered():
    people, order = PeopleFirst(), []
    arrived, answer = threading.Event(), threading.Event()

    def request() -> None:
        with people.answering():
            arrived.set()
            answer.wait(10)
            order.append("answered")

    def background() -> None:
        people.step_aside(most=30)
        order.append("background")

    threading.Thread(target=request).start()
    arrived.wait(10)
    worker = threading.Thread(target=background)
    worker.start()
    answer.set()
    worker.join(10)
    assert order == ["answered", "background"]
    assert people.waiting == 0


def test_a_request_still_queued_for_a_server_thread_counts_as_waiting():
    """The last requests of a burst bigger than the server's threads wait in its queue: background work
    waits for them too, not only for those a thread has started."""
    people, order, queue = PeopleFirst(), [], ["the burst's last request"]
    people.count_queued(lambda: len(queue))
    worker = threading.Thread(target=lambda: (people.step_aside(most=30), order.append("background")))
    worker.start()
    time.sleep(0.05)
    assert people.waiting == 1 and order == []
    with people.answering():  # a server thread takes it from the queue
        queue.clear()
        order.append("answered")
    worker.join(10)
    assert order == ["answered", "background"] and people.waiting == 0


def test_a_request_that_never_ends_holds_background_work_only_for_a_while():
    people = PeopleFirst()
    with people.answering():
        people.step_aside(most=0.01)  # returns although someone is still waiting
        assert people.waiting == 1


def a_request(pool: ListenerPool, listener) -> None:
    """Submit `listener(ack)` as Bolt does: from the request's thread, with its answer budget."""

    def submit() -> None:
        budget = AnswerBudget(workers.ANSWER_BUDGET_SECONDS)
        current_budget.set(budget)
        pool.submit(listener, BudgetedAck(budget))

    thread = threading.Thread(target=submit)
    thread.start()
    thread.join(5)


def test_work_after_an_answer_never_keeps_the_next_request_waiting():
    pool, replies_may_go, third_answered = ListenerPool(2), threading.Event(), threading.Event()

    def answers_then_replies_slowly(ack) -> None:
        ack()
        replies_may_go.wait(10)  # a form or a reply to Slack that takes its time

    try:
        a_request(pool, answers_then_replies_slowly)
        a_request(pool, answers_then_replies_slowly)
        a_request(pool, lambda ack: (ack(), third_answered.set()))
        assert third_answered.wait(2), "the third request waited for the others' replies"
    finally:
        replies_may_go.set()
        assert pool.drain(5)
        pool.shutdown()


def test_at_most_worker_threads_requests_are_being_answered_at_once():
    pool, may_answer, started = ListenerPool(2), threading.Event(), []
    lock = threading.Lock()

    def slow_to_answer(ack) -> None:
        with lock:
            started.append(1)
        may_answer.wait(10)
        ack()

    try:
        for _ in range(3):
            a_request(pool, slow_to_answer)
        deadline = time.monotonic() + 5
        while len(started) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert len(started) == 2  # the third waits for a place, not for a thread
        may_answer.set()
        assert pool.drain(5) and len(started) == 3
    finally:
        may_answer.set()
        pool.shutdown()


def test_a_listener_that_answered_lets_waiting_requests_be_answered_first(monkeypatch):
    people = PeopleFirst()
    monkeypatch.setattr(workers, "PEOPLE", people)
    # The wait's bound (a quarter of a second) is not this story: a busy machine could outlast it.
    monkeypatch.setattr(workers, "AFTER_ANSWER_STEP_ASIDE_SECONDS", 30)
    stepping_aside, step_aside = threading.Event(), people.step_aside
    monkeypatch.setattr(people, "step_aside", lambda most: (stepping_aside.set(), step_aside(most)))
    pool, order, other_arrived, release_other = ListenerPool(2), [], threading.Event(), threading.Event()

    def another_request_waiting() -> None:
        with people.answering():
            other_arrived.set()
            release_other.wait(10)
            order.append("the other request answered")

    def answers_then_replies(ack) -> None:
        ack()
        order.append("reply sent")

    waiting = threading.Thread(target=another_request_waiting)
    waiting.start()
    other_arrived.wait(5)
    try:
        a_request(pool, answers_then_replies)
        assert stepping_aside.wait(5) and order == [], "answered, the listener holds its reply back"
        release_other.set()
        assert pool.drain(5)
        assert order == ["the other request answered", "reply sent"]
    finally:
        release_other.set()
        waiting.join(5)
        pool.shutdown()


def test_an_event_acked_on_its_own_request_thread_is_answered_at_once(monkeypatch):
    """Bolt acks an event on the request's thread, which is itself counted as waiting: that ack must not
    step aside for anyone (it would wait for itself, a quarter of a second on every event)."""
    people, stepped_aside = PeopleFirst(), []
    monkeypatch.setattr(workers, "PEOPLE", people)
    monkeypatch.setattr(people, "step_aside", stepped_aside.append)
    with people.answering():
        BudgetedAck(AnswerBudget(workers.ANSWER_BUDGET_SECONDS))()
    assert stepped_aside == []


def test_background_work_waits_out_the_gap_between_two_requests_of_one_burst():
    """The server reads a burst's requests one by one: work that started between two of them would delay
    the rest, so stepping aside lasts until nobody has waited for a burst's gap."""
    people, order = PeopleFirst(burst_gap=0.5), []
    with people.answering():
        order.append("first answered")
    worker = threading.Thread(target=lambda: (people.step_aside(most=30), order.append("background")))
    worker.start()
    with people.answering():  # the burst's next request, read a moment later
        order.append("second answered")
    worker.join(10)
    assert order == ["first answered", "second answered", "background"]


def bolt_app_with(listener, pool: ListenerPool):
    from slack_bolt import App
    from slack_bolt.authorization import AuthorizeResult

    def authorize(**_) -> AuthorizeResult:  # no auth.test: nothing here talks to Slack
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_user_id="UB1", bot_id="B1", bot_token="xoxb-t")

    app = App(signing_secret="secret", authorize=authorize, request_verification_enabled=False, listener_executor=pool)
    app.middleware(workers.answer_budget)
    app.command("/opportunity")(listener)
    return app


def as_a_request(app, request: BoltRequest):
    """Dispatched as a server thread does, in a context of its own: the request's answer budget must not
    stay behind in the test's thread."""
    return contextvars.copy_context().run(app.dispatch, request)


def slash_command() -> BoltRequest:
    return BoltRequest(body="command=%2Fopportunity&text=new&team_id=T1&user_id=U1", mode="socket_mode")


def test_the_answer_is_written_the_moment_the_listener_acks(monkeypatch):
    """The request's thread waits for the ack itself, not in Bolt's loop that looks every 10 ms; work
    after the ack runs on while the answer is already out."""
    looks, reply_may_go, pool = [], threading.Event(), ListenerPool(2)
    request_thread = threading.get_ident()

    def sleep(seconds: float) -> None:  # Bolt's loop, on the request's thread, looking for the ack
        if threading.get_ident() == request_thread:
            looks.append(seconds)
        time_sleep(seconds)

    monkeypatch.setattr(thread_runner.time, "sleep", sleep)

    def answers_then_replies(ack) -> None:
        time_sleep(0.05)  # parsing what the rep typed
        ack("Opening the form…")
        reply_may_go.wait(10)

    try:
        response = as_a_request(bolt_app_with(answers_then_replies, pool), slash_command())
        assert response.status == 200 and "Opening the form" in response.body
        assert looks == []  # Bolt never had to look again
    finally:
        reply_may_go.set()
        assert pool.drain(5)
        pool.shutdown()


def test_a_listener_that_fails_before_its_ack_is_answered_at_once():
    pool = ListenerPool(2)

    def fails(ack) -> None:
        raise RuntimeError("a bug")

    try:
        started = time.monotonic()
        response = as_a_request(bolt_app_with(fails, pool), slash_command())
        assert response.status == 500
        assert time.monotonic() - started < workers.ACK_WAIT_SECONDS / 2  # not Slack's whole window
    finally:
        pool.shutdown()


@pytest.fixture
def scratch(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE entries (who TEXT)"))
    yield db
    db.dispose()


def test_writers_take_turns_and_both_are_kept(scratch):
    order, first_wrote, second_started = [], threading.Event(), threading.Event()

    def first() -> None:
        with scratch.transaction() as session:
            session.execute(text("INSERT INTO entries VALUES ('first')"))
            first_wrote.set()
            second_started.wait(10)
            order.append("first commits")

    def second() -> None:
        first_wrote.wait(10)
        second_started.set()
        with scratch.transaction() as session:
            session.execute(text("INSERT INTO entries VALUES ('second')"))
            order.append("second wrote")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second wrote"]
    with scratch.transaction() as session:
        assert sorted(session.scalars(text("SELECT who FROM entries"))) == ["first", "second"]


def test_a_write_that_fails_lets_the_next_writer_in(scratch):
    with pytest.raises(RuntimeError), scratch.transaction() as session:
        session.execute(text("INSERT INTO entries VALUES ('lost')"))
        raise RuntimeError("the service changed its mind")
    done = []
    writer = threading.Thread(target=lambda: done.append(_write(scratch, "kept")))
    writer.start()
    writer.join(10)
    assert done == ["kept"]
    with scratch.transaction() as session:
        assert list(session.scalars(text("SELECT who FROM entries"))) == ["kept"]


def _write(db: Database, who: str) -> str:
    with db.transaction() as session:
        session.execute(text("INSERT INTO entries VALUES (:who)"), {"who": who})
    return who
