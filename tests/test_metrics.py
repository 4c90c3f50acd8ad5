"""An operator watches the bot in Prometheus: GET /metrics, read with the Prometheus client's own parser,
moves as the product works (a rep's command, a slot Slack answers 429 once, a CRM sync that fails), and
the outbox is read from the database at most once per DATABASE_READ_EVERY however often it is scraped."""

from __future__ import annotations

import math
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.jobs import JOBS
from bot.server import EVENTS_PATH
from bot.services.crm_push import run_sync
from storage import claims, queue, reps
from tests.driver import typed
from tests.hubspot_fixtures import crm_bot, hubspot, hubspot_server, provider_for  # noqa: F401 - fixtures
from tests.test_time_zones_bulk import directory

# Scraped on the bot's HTTP port; Socket Mode's METRICS_PORT is tests/test_run_like_a_service.py's.
pytestmark = pytest.mark.http_only
FRIDAY_3PM_NEW_YORK = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)

Samples = dict[tuple[str, frozenset], float]


def scrape(bot) -> Samples:
    """Every sample of GET /metrics, as Prometheus reads it."""
    return read_metrics(bot.driver.events_url.replace(EVENTS_PATH, metrics.METRICS_PATH))


def read_metrics(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_rep_s_command_is_counted_by_outcome_and_its_acknowledgement_timed(bot):
    before = scrape(bot)

    assert bot.driver.command("/prospect", "25 calls 2h").status == 200
    bot.replies(1)
    assert bot.driver.command("/prospect", "lots of calls").status == 200  # a mistake: told what to type

    after = scrape(bot)
    acks = "pipeline_coach_ack_seconds_count"
    assert value(after, acks, surface="command") - value(before, acks, surface="command") == 2
    within_3s = "pipeline_coach_ack_seconds_bucket"
    assert value(after, within_3s, surface="command", le="3.0") - value(before, within_3s, surface="command", le="3.0")
    counted = "pipeline_coach_requests_total"
    for outcome in ("stored", "refused"):
        assert value(after, counted, surface="command", outcome=outcome) - value(
            before, counted, surface="command", outcome=outcome
        ) == 1, outcome
    late = {"surface": "command", "outcome": "late"}
    assert value(after, counted, **late) == value(before, counted, **late)


def test_a_form_sent_back_with_its_mistakes_counts_as_refused_on_the_view_surface(bot):
    bot.command("")  # the new opportunity form
    form = bot.slack.wait_for("views.open")[0].args["view"]
    before = scrape(bot)

    refused = bot.driver.submit(form, {"name": typed("   ")})

    assert refused.json["response_action"] == "errors"
    after = scrape(bot)
    counted = {"surface": "view", "outcome": "refused"}
    assert value(after, "pipeline_coach_requests_total", **counted) - value(
        before, "pipeline_coach_requests_total", **counted) == 1  # fmt: skip
    acks = "pipeline_coach_ack_seconds_count"
    assert value(after, acks, surface="view") - value(before, acks, surface="view") == 1


def test_a_slot_that_slack_answers_429_once_is_counted_and_its_last_message_s_lateness_shown(bot, clock):
    users = [f"U{n:02}" for n in range(5)]
    reps.ensure_reps(bot.db, "T1", users, FRIDAY_3PM_NEW_YORK)
    bot.slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}, page=50))
    bot.slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "0"})
    twenty_past = FRIDAY_3PM_NEW_YORK + timedelta(minutes=20)  # the reflections fell due at 3 pm
    clock.set(twenty_past)
    before = scrape(bot)

    report = JOBS["reflections"].run(bot.services, twenty_past)

    assert report.sent == len(users)
    after = scrape(bot)
    calls = "pipeline_coach_slack_api_calls_total"
    posted = {answer: value(after, calls, method="chat.postMessage", answer=answer) - value(
        before, calls, method="chat.postMessage", answer=answer) for answer in ("ok", "429", "error")}  # fmt: skip
    assert posted == {"ok": len(users), "429": 1, "error": 0}
    ticks = "pipeline_coach_job_tick_seconds_count"
    assert value(after, ticks, job="reflections") - value(before, ticks, job="reflections") == 1
    assert value(after, "pipeline_coach_slot_last_message_late_seconds", job="reflections") == 20 * 60


def test_a_failed_crm_sync_leaves_the_last_good_sync_s_age_growing(crm_bot, hubspot, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr(metrics.DATABASE_FIGURES, "every", 0)  # every scrape reads the database afresh
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="1000", hubspot_owner_id="501")
    before = scrape(crm_bot)
    assert run_sync(crm_bot.services, clock(), provider=provider_for(hubspot, crm_bot.db)).error is None
    synced = scrape(crm_bot)
    age = "pipeline_coach_crm_last_good_sync_age_seconds"
    assert value(synced, age, workspace="T1", provider="hubspot") == 0
    answers = "pipeline_coach_hubspot_calls_total"
    assert value(synced, answers, answer="ok") > value(before, answers, answer="ok")

    clock.advance(minutes=10)
    hubspot.fail_next(401)  # the token was revoked in HubSpot
    assert run_sync(crm_bot.services, clock(), provider=provider_for(hubspot, crm_bot.db)).error

    failed = scrape(crm_bot)
    assert value(failed, age, workspace="T1", provider="hubspot") == 600
    assert value(failed, answers, answer="error") - value(synced, answers, answer="error") == 1


def test_the_outbox_is_shown_by_kind_and_state_and_read_once_however_often_it_is_scraped(bot, monkeypatch):
    monkeypatch.setattr(metrics.DATABASE_FIGURES, "every", 3600)
    metrics.watch(bot.db, bot.clock)  # the next scrape reads afresh
    due = [queue.Planned(user, "2026-11-27", FRIDAY_3PM_NEW_YORK) for user in ("U1", "U2", "U3")]
    queue.plan(bot.db, "T1", "reflection", due, claims.new_token(), FRIDAY_3PM_NEW_YORK)
    bot.clock.set(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))

    first = scrape(bot)
    assert value(first, "pipeline_coach_outbox_rows", kind="reflection", state="pending") == 3
    assert value(first, "pipeline_coach_outbox_oldest_overdue_seconds", kind="reflection", state="pending") == 3600
    assert ("pipeline_coach_outbox_rows", frozenset({("kind", "reflection"), ("state", "sent")})) not in first

    one_more = [queue.Planned("U4", "2026-11-27", FRIDAY_3PM_NEW_YORK)]
    queue.plan(bot.db, "T1", "reflection", one_more, claims.new_token(), FRIDAY_3PM_NEW_YORK)
    again = scrape(bot)  # within the hour: the figures the last read gave, no new query
    assert value(again, "pipeline_coach_outbox_rows", kind="reflection", state="pending") == 3


def test_a_workspace_whose_crm_never_synced_shows_an_infinite_age(crm_bot, hubspot, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr(metrics.DATABASE_FIGURES, "every", 0)
    hubspot.fail_next(401)
    assert run_sync(crm_bot.services, clock(), provider=provider_for(hubspot, crm_bot.db)).error
    age = value(scrape(crm_bot), "pipeline_coach_crm_last_good_sync_age_seconds", workspace="T1", provider="hubspot")
    assert math.isinf(age)
