"""Socket Mode, the README's recommended way to run, through the real `python -m bot`: the same requests
as in HTTP mode arrive as envelopes over a WebSocket (tests/socket_stand_in.py) and are answered by ack.

The whole end-to-end suite also runs this way: `COACH_TEST_SLACK_MODE=socket pytest`.
"""

from __future__ import annotations

import json
import re

import pytest

from bot.messages.opportunities import ROW_MENU
from storage import opportunities as store
from storage.db import Database
from tests.bot_process import BotProcess
from tests.driver import typed
from tests.socket_driver import SocketDriver
from tests.socket_stand_in import REVOKED

APP_TOKEN = "xapp-1-A1-test"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING) ")


def problems(output: str) -> list[str]:
    """What the operator is told, without the start-up's informational log lines."""
    return [line for line in output.strip().splitlines() if not LOG_LINE.match(line)]


@pytest.fixture
def socket_bot(slack, socket_server, tmp_path):
    url = f"sqlite:///{tmp_path}/socket.db"
    bot = BotProcess(slack, url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="").start()
    try:
        socket_server.wait_connected(1, timeout=30)
    except AssertionError as error:
        bot.stop()
        raise AssertionError(bot.output) from error
    bot.database = Database(url)
    yield bot, SocketDriver(socket_server, slack.response_url)
    bot.stop()
    bot.database.dispose()


def test_a_rep_works_a_whole_day_over_socket_mode(socket_bot, slack):
    bot, rep = socket_bot

    opened = rep.command("/opportunity", "new Acme renewal 48k")
    assert opened.status == 200 and opened.seconds < 3
    assert "Acme renewal" in slack.wait_for("chat.postMessage", timeout=10)[0].args["text"]
    assert "Acme renewal" in slack.wait_for("response_url", timeout=10)[0].args["text"]

    helped = rep.command("/opportunity", "help")  # answered in the ack itself
    assert helped.status == 200 and "/opportunity new" in helped.body

    assert rep.command("/opportunity", "").status == 200  # the form, then a submission with a mistake
    form = slack.wait_for("views.open", timeout=10)[0].args["view"]
    refused = rep.submit(form, {"name": typed("   ")})
    assert refused.status == 200 and refused.json["response_action"] == "errors" and "name" in refused.json["errors"]

    listed = rep.command("/opportunity", "list")
    assert listed.status == 200
    rows = slack.wait_for("response_url", 2, timeout=10)[-1].args
    assert "Acme renewal" in json.dumps(rows)
    [deal] = store.open_opportunities(bot.database, "T1", "U1", 10)[0]
    menu = {"type": "overflow", "action_id": ROW_MENU, "selected_option": {"value": f"won:{deal.id}"}}
    assert rep.click(menu).status == 200  # the row menu's "mark won"
    slack.wait_for("response_url", 3, timeout=10)
    assert store.open_opportunities(bot.database, "T1", "U1", 10)[1] == 0

    assert rep.open_home().status == 200  # an Events API envelope
    assert slack.wait_for("views.publish", timeout=10)[-1].args["user_id"] == "U1"

    bot.signal()
    assert "Traceback" not in bot.finish()
    assert bot.returncode == 0


def test_a_dropped_connection_is_reopened_and_nothing_is_lost(socket_bot, slack, socket_server):
    bot, rep = socket_bot

    socket_server.drop()  # the network blips, or Slack restarts the host
    socket_server.wait_connected(2, timeout=8)  # noticed by the next ping (every 3 s)
    assert rep.command("/opportunity", "new After the blip").status == 200

    socket_server.ask_to_reconnect()  # Slack's own `disconnect`: refresh the connection
    socket_server.wait_connected(3, timeout=5)
    assert rep.command("/opportunity", "new After the refresh").status == 200

    slack.wait_for("response_url", 2, timeout=10)
    names = {opp.name for opp in store.open_opportunities(bot.database, "T1", "U1", 10)[0]}
    assert names == {"After the blip", "After the refresh"}
    assert len(slack.of("apps.connections.open")) >= 3  # a fresh URL for every connection
    bot.signal()
    assert "Traceback" not in bot.finish()


def test_an_app_token_revoked_while_running_stops_the_bot_with_one_line_and_exit_2(socket_bot, slack, socket_server):
    bot, rep = socket_bot
    assert rep.command("/opportunity", "new Before the revoke").status == 200
    slack.wait_for("response_url", 1, timeout=10)

    socket_server.app_tokens[APP_TOKEN] = REVOKED  # an admin regenerates the token, or uninstalls the app
    socket_server.drop()
    output = bot.finish(timeout=30)

    assert bot.returncode == 2
    assert "Traceback" not in output and " ERROR " not in output
    assert problems(output) == [
        "Slack refused SLACK_APP_TOKEN (invalid_auth) while the bot was running: generate an app-level token "
        "with the connections:write scope (Basic Information → App-Level Tokens) and set it."
    ]
    assert len(slack.of("apps.connections.open")) == 2, "the first connection, then one try: no retrying for ever"
    names = [opp.name for opp in store.open_opportunities(bot.database, "T1", "U1", 10)[0]]
    assert names == ["Before the revoke"]


@pytest.mark.parametrize("answer", ["invalid_auth", "not_authed"])
def test_a_bad_app_token_is_one_clear_line_and_exit_2(slack, socket_server, tmp_path, answer):
    if answer == "invalid_auth":
        socket_server.app_tokens[APP_TOKEN] = REVOKED
    else:
        slack.always("apps.connections.open", lambda args: {"ok": False, "error": "not_authed"})
    bot = BotProcess(slack, f"sqlite:///{tmp_path}/bad.db", SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    output = bot.start().finish(timeout=30)

    assert bot.returncode == 2
    assert "Traceback" not in output and " ERROR " not in output
    assert problems(output) == [
        f"Slack refused SLACK_APP_TOKEN ({answer}): generate an app-level token with the connections:write "
        "scope (Basic Information → App-Level Tokens) and set it."
    ]


def test_a_token_that_is_not_an_app_token_is_refused_before_connecting(slack, tmp_path):
    bot = BotProcess(slack, f"sqlite:///{tmp_path}/x.db", SLACK_APP_TOKEN="xoxb-not-an-app-token")
    output = bot.start().finish(timeout=30)

    assert bot.returncode == 2
    assert problems(output) == [
        "Setting SLACK_APP_TOKEN: must be an app-level token that starts with xapp- (Basic Information page) "
        "(see .env.example)."
    ]
    assert slack.of("apps.connections.open") == []
