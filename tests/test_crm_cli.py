"""`python -m bot crm sync|status` and the crm_sync job: an operator's tools, one line when something is off."""

from __future__ import annotations

import json

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import create_services
from bot.jobs import JOBS
from bot.scheduler import create_scheduler
from tests.conftest import settings_for
from tests.hubspot_fixtures import crm_bot, crm_settings, hubspot, hubspot_server  # fixtures
from tests.hubspot_stand_in import TOKEN
from tests.test_cli import bot_cli, sqlite_url  # fixture


def crm_cli(*args, slack, hubspot, database_url, token=TOKEN):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUBSPOT_ACCESS_TOKEN", token)
        patch.setenv("HUBSPOT_API_URL", hubspot.base_url)
        return bot_cli(*args, slack=slack, database_url=database_url)


def test_without_a_token_the_crm_command_says_what_to_set(slack, sqlite_url):
    done = bot_cli("crm", "sync", slack=slack, database_url=sqlite_url)
    assert done.returncode == 2 and done.stderr.strip().startswith("Set HUBSPOT_ACCESS_TOKEN")
    assert len(done.stderr.strip().splitlines()) == 1


def test_where_no_workspace_has_connected_a_crm_yet_the_command_says_so(slack, sqlite_url, monkeypatch):
    monkeypatch.setenv("HUBSPOT_CLIENT_ID", "5f1c-app")
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", "hubspot-app-secret")
    monkeypatch.setenv("PUBLIC_URL", "https://coach.example.test")
    done = bot_cli("crm", "sync", slack=slack, database_url=sqlite_url)
    assert done.returncode == 2 and "No workspace has connected a CRM yet" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "hubspot-app-secret" not in done.stderr
    status = bot_cli("crm", "status", slack=slack, database_url=sqlite_url)
    assert status.returncode == 0 and status.stdout.startswith("No workspace has connected a CRM yet")


def test_a_sync_from_the_command_line_imports_and_then_shows_the_state(slack, hubspot, sqlite_url):
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    hubspot.add_owner("503", "new.hire@example.com", "New", "Hire")

    done = crm_cli("crm", "sync", "--full", slack=slack, hubspot=hubspot, database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CRM sync: 1 new, 0 updated")
    status = crm_cli("crm", "status", slack=slack, hubspot=hubspot, database_url=sqlite_url)
    assert status.returncode == 0, status.stderr
    assert "Closed Won (closedwon) -> Won" in status.stdout
    assert "New Hire <new.hire@example.com> (owner 503)" in status.stdout
    assert slack.of("chat.postMessage") == [], "an import celebrates nothing"


def test_a_refused_token_is_one_line_and_exit_status_2(slack, hubspot, sqlite_url):
    done = crm_cli("crm", "sync", slack=slack, hubspot=hubspot, database_url=sqlite_url, token="pat-wrong")
    assert done.returncode == 2
    assert (
        done.stderr.strip().splitlines()
        == ["CRM sync stopped: HubSpot refused HUBSPOT_ACCESS_TOKEN: it is not valid or has expired"]
        or "Traceback" not in done.stderr
    )
    assert "Traceback" not in done.stderr and done.stderr.count("HUBSPOT_ACCESS_TOKEN") <= 2


def test_the_crm_job_is_scheduled_only_with_a_token_and_at_its_own_interval(slack, db, hubspot):
    plain = create_scheduler(create_services(settings_for(slack, db), db=db))
    assert "crm_sync" not in {job.id for job in plain.get_jobs()}

    settings = settings_for(slack, db, **crm_settings(hubspot, crm_sync_minutes=3))
    jobs = {job.id: job for job in create_scheduler(create_services(settings, db=db)).get_jobs()}
    assert isinstance(jobs["crm_sync"].trigger, IntervalTrigger)
    assert jobs["crm_sync"].trigger.interval.total_seconds() == 180
    assert jobs["nudges"].trigger.interval.total_seconds() == 15 * 60


def test_jobs_list_names_the_crm_job(slack, sqlite_url):
    done = bot_cli("jobs", "list", slack=slack, database_url=sqlite_url)
    assert "crm_sync" in done.stdout


def test_the_crm_job_runs_the_sync_as_a_scheduler_tick_would(crm_bot, hubspot):
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    report = JOBS["crm_sync"].run(crm_bot.services, crm_bot.clock())
    assert report.outcomes["created"] == 1 and report.outcomes["crm requests"] == 8  # its contacts and companies too
    assert "crm_sync at" in report.summary()


def test_a_stage_map_onto_a_stage_we_do_not_have_is_one_line_and_exit_2(slack, sqlite_url, monkeypatch):
    monkeypatch.setenv("HUBSPOT_STAGE_MAP", "contractsent=Closing")
    done = bot_cli("crm", "sync", slack=slack, database_url=sqlite_url)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Settings problem: HUBSPOT_STAGE_MAP maps onto 'Closing', which is not one of OPEN_STAGES, Won or Lost."
    ]


def test_an_admin_sees_the_crm_sync_in_slack_and_a_rep_does_not(crm_bot, hubspot):
    from bot.services.crm_push import run_sync

    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    hubspot.add_owner("503", "new.hire@example.com", "New", "Hire")
    run_sync(crm_bot.services, crm_bot.clock(), full=True)
    crm_bot.slack.admins.add("U9")

    crm_bot.command("admin crm", user="U9")
    shown = json.dumps(crm_bot.last_reply()["blocks"], ensure_ascii=False)
    assert "Closed Won (closedwon) -&gt; Won" in shown
    assert "New Hire &lt;new.hire@example.com&gt; (owner 503)" in shown
    crm_bot.command("admin crm", user="U1")
    assert "for this workspace's admins" in crm_bot.last_reply(2)["text"]


def test_without_a_crm_an_admin_is_told_what_to_set(bot):
    bot.slack.admins.add("U9")
    bot.command("admin crm", user="U9")
    assert "HUBSPOT_ACCESS_TOKEN" in bot.last_reply()["text"]


def test_a_scheduled_sync_while_another_runs_says_it_skipped(crm_bot, hubspot):
    from bot.services.crm_push import RUN_LEASE
    from storage import crm

    crm.start_run(crm_bot.db, "T1", "hubspot", crm_bot.clock(), RUN_LEASE)  # another process's sync, mid-run
    report = JOBS["crm_sync"].run(crm_bot.services, crm_bot.clock())
    assert "skipped: another sync of this workspace is still running" in report.summary()
    assert hubspot.exchanges == [], "HubSpot was not asked for anything"
