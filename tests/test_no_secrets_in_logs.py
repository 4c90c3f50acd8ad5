"""An operator turns on LOG_LEVEL=DEBUG to chase a problem: every library then logs what it sends and
receives (slack_sdk the bodies of oauth.v2.access, Bolt its OAuth flow, SQLAlchemy its parameters), yet no
token, refresh token, code, client or signing secret, or calendar feed address reaches the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import create_services
from bot.integrations.hubspot import HubSpotProvider
from bot.jobs import JOBS
from bot.logs import configure_logging
from bot.redaction import MASK, add_secrets, redact, settings_secrets
from bot.services.crm_push import run_sync
from tests.conftest import SIGNING_SECRET
from tests.hubspot_fixtures import crm_settings, hubspot, hubspot_server  # noqa: F401 - fixtures
from tests.hubspot_stand_in import TOKEN
from tests.test_install_by_link import expire_soon
from tests.workspaces import OAUTH, install

GOOGLE_FEED = "https://calendar.google.com/calendar/ical/rep%40acme.com/private-5f2c9a1b7d/basic.ics"
OUTLOOK_FEED = "https://outlook.office365.com/owa/calendar/4f1e@acme.com/9ab2c3/reachcalendar.ics"


@pytest.fixture(params=["plain", "json"])
def debug_log(request) -> Iterator[io.StringIO]:
    """Everything every logger writes at every level, through the bot's own logging setup, in either
    LOG_FORMAT (json: every line must be one JSON object)."""
    root = logging.getLogger()
    level = root.level
    captured = io.StringIO()
    handler = configure_logging("DEBUG", stream=captured, log_format=request.param)
    yield captured
    root.removeHandler(handler)
    root.setLevel(level)
    if request.param == "json":
        for line in captured.getvalue().splitlines():
            assert isinstance(json.loads(line), dict), line


@pytest.mark.http_only  # installing by link is HTTP mode's
def test_an_install_a_token_refresh_and_a_job_at_debug_log_no_secret(make_bot, clock, debug_log):
    bot = make_bot(**OAUTH)
    add_secrets(settings_secrets(bot.services.settings))  # as `python -m bot` does at start-up
    driver = install(bot, "T3", rotating=True, expires_in=12 * 3600)
    expire_soon(bot.db, "T3")
    driver.command("/opportunity", "new Acme renewal")  # the request refreshes the expiring token first
    bot.slack.wait_for("chat.postMessage")
    expire_soon(bot.db, "T3")
    services = create_services(bot.services.settings, db=bot.db, clock=clock)
    JOBS["digest"].run(services, clock() + timedelta(days=7))  # a job refreshes it again, then sends

    log = debug_log.getvalue()
    exchanges = [call.args for call in bot.slack.of("oauth.v2.access")]
    assert len(exchanges) == 3, "the install's code exchange and two refreshes happened"
    secrets = {"client-secret", "state-secret", SIGNING_SECRET, "code-T3"}
    secrets |= {f"xoxb-T3-{n}" for n in (1, 2, 3)} | {f"xoxe-T3-{n}" for n in (1, 2, 3)}
    assert "oauth.v2.access" in log and f"'refresh_token': '{MASK}'" in log, "slack_sdk logged the refresh"
    assert [secret for secret in sorted(secrets) if secret in log] == []


def test_a_rep_at_work_at_debug_logs_neither_token_nor_signing_secret(debug_log, make_bot):
    bot = make_bot()  # over Socket Mode too (COACH_TEST_SLACK_MODE=socket): its connection is logged
    add_secrets(settings_secrets(bot.services.settings))
    bot.command("new Acme renewal")
    bot.slack.wait_for("chat.postMessage")
    log = debug_log.getvalue()
    assert "chat.postMessage" in log, "slack_sdk's request lines were captured"
    assert "xoxb-test-token" not in log and "xapp-test-token" not in log and SIGNING_SECRET not in log


def test_a_crm_sync_at_debug_logs_no_hubspot_token(debug_log, make_bot, hubspot):  # noqa: F811
    bot = make_bot(**crm_settings(hubspot))
    add_secrets(settings_secrets(bot.services.settings))
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="1000", hubspot_owner_id="501")
    provider = HubSpotProvider(TOKEN, "default", host=hubspot.base_url, sleep=lambda seconds: None)
    assert run_sync(bot.services, bot.clock(), full=False, provider=provider).created == 1
    log = debug_log.getvalue()
    assert "users.lookupByEmail" in log, "the sync's debug lines were captured (HubSpot's client keeps quiet)"
    assert TOKEN not in log


def test_an_error_naming_a_calendar_feed_logs_without_its_address(debug_log):
    log = logging.getLogger("pipeline_coach.test")
    try:
        raise OSError(f"could not read {GOOGLE_FEED}: timed out")
    except OSError:
        log.exception("calendar feed %s failed", OUTLOOK_FEED)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s', "https", "calendar.google.com", 443, "GET",
        "/calendar/ical/rep%40acme.com/private-5f2c9a1b7d/basic.ics", "HTTP/1.1", 200,
    )  # fmt: skip
    written = debug_log.getvalue()
    assert "calendar feed [redacted] failed" in written and "OSError: could not read [redacted]" in written
    assert "private-5f2c9a1b7d" not in written and "reachcalendar" not in written


def test_a_secret_a_library_hands_over_as_an_extra_field_is_masked_in_json_too(debug_log):
    logging.getLogger("some.library").info("connected", extra={"credentials": "token=xoxb-9-abcdef123"})
    written = debug_log.getvalue()
    assert "connected" in written and "xoxb-9-abcdef123" not in written


@pytest.mark.parametrize(
    "line, secret",
    [
        ("feed webcal://p52-caldav.icloud.com/published/2/MTYzNzQ2 added", "MTYzNzQ2"),
        ('{"access_token": "CJSP5qf1KhICAQEY", "refresh_token": "6f18f21e-a743"}', "CJSP5qf1KhICAQEY"),
        ('{"access_token": "CJSP5qf1KhICAQEY", "refresh_token": "6f18f21e-a743"}', "6f18f21e-a743"),
        ("grant_type=refresh_token&refresh_token=6f18f21e-a743&client_secret=s3cr3t", "6f18f21e-a743"),
        ("grant_type=refresh_token&refresh_token=6f18f21e-a743&client_secret=s3cr3t", "s3cr3t"),
        ("GET /slack/oauth_redirect?code=1234.5678.abcd&state=x HTTP/1.1", "1234.5678.abcd"),
        ("HubSpot says 401 for pat-na1-11aa22bb-33cc-44dd", "11aa22bb"),
        ("rotated to xoxe.xoxb-1-MS0yLTEx and xoxe-1-My0xLTIx", "MS0yLTEx"),
        ("rotated to xoxe.xoxb-1-MS0yLTEx and xoxe-1-My0xLTIx", "My0xLTIx"),
        ("socket opened with xapp-1-A111-222-abc", "A111-222-abc"),
        ("headers: {'Authorization': 'Basic MTExMTpjbGllbnQ='}", "MTExMTpjbGllbnQ="),
        ("could not connect to postgresql://coach:hunter2@db:5432/coach", "hunter2"),
    ],
)
def test_each_shape_of_secret_is_masked(line, secret):
    assert secret not in redact(line) and MASK in redact(line)


def test_ordinary_words_are_left_alone():
    line = "Basic Information page: status_code=200 grant_type=refresh_token, 3 tokens refreshed"
    assert redact(line) == line
