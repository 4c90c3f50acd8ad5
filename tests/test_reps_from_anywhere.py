"""A rep is a rep however their deals arrived: typed in Slack, imported from a spreadsheet or synced from
the CRM. The jobs reach them all, so the checkpoint they were promised ("I'll ask you that morning") is
asked even when none of their deals was opened in Slack or lately."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.integrations.hubspot import HubSpotProvider
from bot.services.crm_push import run_sync
from storage import activities, crm_owners, reps, team
from storage.models import Activity, Opportunity
from storage.records import OPEN, NewActivity
from tests.hubspot_fixtures import crm_bot, hubspot, hubspot_server  # noqa: F401 - fixtures
from tests.hubspot_stand_in import TOKEN
from tests.test_checkpoint_jobs import WEDNESDAY_9AM_NEW_YORK
from tests.test_coaching_jobs import MONDAY_10AM_NEW_YORK, dms, run, say
from tests.test_csv_import import knows_people, run_import, write

A_YEAR_AGO = MONDAY_10AM_NEW_YORK - timedelta(days=365)


def checkpoint_questions(bot, user: str) -> list[str]:
    return [json.dumps(dm["blocks"]) for dm in dms(bot, user) if "Has it moved?" in json.dumps(dm["blocks"])]


def test_a_rep_whose_only_deals_came_from_an_import_gets_the_checkpoint_question_on_its_morning(bot, tmp_path):
    knows_people(bot.slack)
    path = write(tmp_path, "deals.csv", "name,owner_id,account,amount,stage,created_at\n"
                 "Acme renewal,UADA,Acme Corp,48k,Discovery,2025-11-23\n")  # fmt: skip
    assert run_import(bot.db, bot.slack, path).created == 1
    say(bot, 'obstacle acme budget "no money until Q2" checkpoint:wednesday', "UADA")

    assert run(bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK).sent == 1
    [question] = checkpoint_questions(bot, "UADA")
    assert "Checkpoint for Acme renewal" in question and "no money until Q2" in question


def test_a_rep_whose_deal_came_from_the_crm_gets_the_checkpoint_question_on_its_morning(crm_bot, hubspot):  # noqa: F811
    hubspot.add_deal(
        dealname="Globex expansion", dealstage="qualifiedtobuy", amount="30000", hubspot_owner_id="501",
        createdate="2025-11-01T12:00:00Z",
    )  # fmt: skip
    provider = HubSpotProvider(TOKEN, "default", host=hubspot.base_url, sleep=lambda seconds: None)
    assert run_sync(crm_bot.services, crm_bot.clock(), full=False, provider=provider).created == 1
    say(crm_bot, "obstacle globex politics checkpoint:wednesday", "UADA")  # HubSpot's owner 501 is Ada

    assert run(crm_bot, "checkpoints", WEDNESDAY_9AM_NEW_YORK).sent == 1
    [question] = checkpoint_questions(crm_bot, "UADA")
    assert "Checkpoint for Globex expansion" in question


NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_who_is_a_rep_a_deal_logged_time_settings_or_a_crm_owner_match(db):
    with db.transaction() as session:
        session.add_all(
            [
                Opportunity(team_id="T1", owner_id="UDEAL", name="Old", name_key="old", stage="Discovery",
                            status=OPEN, created_at=A_YEAR_AGO, last_change_at=A_YEAR_AGO),
                Opportunity(team_id="T1", owner_id=crm_owners.placeholder_owner("777"), name="Unmatched",
                            name_key="unmatched", stage="Discovery", status=OPEN, created_at=NOW, last_change_at=NOW),
                Activity(team_id="T1", user_id="UTIME", kind="calls", touches=3, minutes=30,
                         occurred_on=A_YEAR_AGO.date(), created_at=A_YEAR_AGO),
                Opportunity(team_id="T2", owner_id="UELSEWHERE", name="Theirs", name_key="theirs",
                            stage="Discovery", status=OPEN, created_at=NOW, last_change_at=NOW),
            ]
        )  # fmt: skip
    crm_owners.save_owners(db, "T1", "hubspot", [("501", "ada@example.com", "Ada")])
    crm_owners.set_owner_match(db, "T1", "hubspot", "501", "UCRM", NOW)
    reps.update_rep(db, "T1", "USETTINGS", NOW, work_days="mon-thu")

    assert reps.people(db, "T1") == {"UDEAL", "UTIME", "UCRM", "USETTINGS"}
    assert set(reps.reps_of_team(db, "T1")) == {"USETTINGS"}, "nobody else has a settings row yet"
    assert reps.enrol_everyone(db, NOW) == 4, "UDEAL, UTIME, UCRM, and T2's UELSEWHERE"
    assert set(reps.reps_of_team(db, "T1")) == {"UDEAL", "UTIME", "UCRM", "USETTINGS"}
    assert set(reps.reps_of_team(db, "T2")) == {"UELSEWHERE"}
    assert reps.reps_of_team(db, "T1")["USETTINGS"].work_days == "mon-thu", "settings are left as they were"
    assert reps.enrol_everyone(db, NOW) == 0

    week = NOW - timedelta(days=7)
    figures = team.rep_figures(db, "T1", week, 4, NOW.date(), NOW.date(), week, NOW)
    assert [row.user_id for row in figures] == ["UDEAL", "UTIME"], "the manager view: the same reps, with figures"
    assert team.week_news(db, "T1", week, NOW + timedelta(days=1), 10).openers == set()


def test_a_rep_typing_in_slack_is_a_rep_at_once(db):
    activities.log_activity(db, "T1", "U1", NewActivity("calls", NOW.date(), minutes=20, touches=5), NOW)
    assert set(reps.reps_of_team(db, "T1")) == {"U1"} == reps.people(db, "T1")
