"""A team moving from a spreadsheet, or restoring an export, imports it in one command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from bot.services.csv_import import import_file
from bot.services.export import to_csv
from storage import export
from storage import opportunities as store
from tests.test_cli import bot_cli, sqlite_url  # fixture

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation", "Won", "Lost")
SLACK_USERS = {"ada@example.com": "UADA"}


def exported(db) -> tuple[str, str]:
    opportunities, _ = to_csv(export.OPPORTUNITY_COLUMNS, export.opportunity_rows(db, "T1", None, None))
    logged, _ = to_csv(export.ACTIVITY_COLUMNS, export.activity_rows(db, "T1", None, None))
    return opportunities, logged


def seed(db) -> None:
    acme = store.create_opportunity(
        db,
        "T1",
        "UADA",
        store.NewOpportunity("Acme renewal", "Discovery", "Acme Corp", 48000, date(2026, 12, 15), "send pricing"),
        NOW - timedelta(days=3, microseconds=-1234),
    )
    store.create_opportunity(db, "T1", "UGRACE", store.NewOpportunity("=SUM(A1) «Globex»", "Proposal"), NOW)
    lost = store.create_opportunity(db, "T1", "UADA", store.NewOpportunity("Initech", "Negotiation"), NOW)
    store.move_stage(db, "T1", "UADA", lost.id, "Lost", NOW + timedelta(hours=1), status="lost", lost_reason="budget")
    with db.transaction() as session:
        from storage.models import Activity

        deal = {"kind": "deal", "opportunity_id": acme.id, "touches": 0, "minutes": 90, "note": "proposal review"}
        calls = {"kind": "calls", "opportunity_id": None, "touches": 25, "minutes": 120, "note": None}
        session.add(Activity(team_id="T1", user_id="UADA", occurred_on=date(2026, 11, 20), created_at=NOW, **deal))
        session.add(Activity(team_id="T1", user_id="UGRACE", occurred_on=date(2026, 11, 21), created_at=NOW, **calls))


def write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def run_import(db, kind, path, dry_run=False):
    lookup = SLACK_USERS.get
    return import_file(db, "T1", kind, path, lookup, STAGES, NOW, dry_run)


def empty(db) -> None:
    with db.engine.begin() as connection:
        for table in ("activities", "stage_changes", "opportunities"):
            connection.execute(text(f"DELETE FROM {table}"))


def test_an_export_imported_into_an_empty_workspace_exports_again_exactly(db, tmp_path):
    seed(db)
    before_opportunities, before_activities = exported(db)
    opportunities_file = write(tmp_path, "opportunities.csv", before_opportunities)
    activities_file = write(tmp_path, "activities.csv", before_activities)
    empty(db)

    assert run_import(db, "opportunities", opportunities_file).created == 3
    assert run_import(db, "activities", activities_file).created == 2

    assert exported(db) == (before_opportunities, before_activities)
    again = run_import(db, "opportunities", opportunities_file), run_import(db, "activities", activities_file)
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 3), (0, 0, 2)]
    fresh = store.create_opportunity(db, "T1", "UADA", store.NewOpportunity("After the import", "Discovery"), NOW)
    assert fresh.id > 3, "new deals get ids after the imported ones"


def test_a_restore_over_the_same_data_changes_nothing(db, tmp_path):
    seed(db)
    path = write(tmp_path, "opportunities.csv", exported(db)[0])
    report = run_import(db, "opportunities", path)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, [])


SPREADSHEET = """name,owner_id,stage,amount,expected_close,account
Hooli search,ada@example.com,discovery,30000,2027-01-31,Hooli
Pied Piper,UGRACE,Proposal,12k,,
,UADA,Discovery,,,
Stark renewal,nobody@example.com,Discovery,,,
Wayne deal,UADA,Closing,,,
Umbrella,UADA,Won,5000,2027-13-01,
Vandelay,UADA,Negotiation,800,,Vandelay Industries
"""


def test_bad_rows_are_rejected_with_their_line_and_reason_and_the_rest_import(db, tmp_path):
    path = write(tmp_path, "sheet.csv", SPREADSHEET)

    dry = run_import(db, "opportunities", path, dry_run=True)
    assert store.open_opportunities(db, "T1", "UADA", 10)[1] == 0, "a dry run changes nothing"
    report = run_import(db, "opportunities", path)

    assert (dry.created, dry.rejected) == (report.created, report.rejected)
    assert report.created == 2
    assert report.rejected == [
        (3, "amount '12k' is not a whole number from 0 to 10000000000"),
        (4, "name is empty"),
        (5, "owner_id 'nobody@example.com': no Slack user has that email"),
        (6, "stage 'Closing' is not one of Prospecting, Discovery, Proposal, Negotiation, Won, Lost"),
        (7, "expected_close '2027-13-01' is not a date like 2026-12-15"),
    ]
    names = {opp.name for opp in store.open_opportunities(db, "T1", "UADA", 10)[0]}
    assert names == {"Hooli search", "Vandelay"}
    lines = dry.lines()
    assert lines[0] == "Would create 2, update 0, 0 unchanged, 5 rejected (opportunities)."
    assert lines[1] == "  line 3: amount '12k' is not a whole number from 0 to 10000000000"
    again = run_import(db, "opportunities", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_the_command_reports_a_dry_run_and_an_unreadable_file_gets_one_line(slack, sqlite_url, tmp_path):
    slack.always("users.lookupByEmail", lambda args: {"ok": True, "user": {"id": "UADA", "deleted": False}})
    path = write(tmp_path, "sheet.csv", "name,owner_id,stage\nHooli,ada@example.com,Discovery\nBad,UADA,Nope\n")

    done = bot_cli("import", "opportunities", path, "--team", "T1", "--dry-run", slack=slack, database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Would create 1, update 0, 0 unchanged, 1 rejected (opportunities)."
    assert "line 3: stage 'Nope'" in done.stdout
    assert [call.args["email"] for call in slack.of("users.lookupByEmail")] == ["ada@example.com"]

    bad = write(tmp_path, "bad.csv", "title,owner\nx,y\n")
    failed = bot_cli("import", "opportunities", bad, "--team", "T1", slack=slack, database_url=sqlite_url)
    assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1
    assert "unknown column 'title'" in failed.stderr
