"""A team leaving HubSpot, Salesforce or Pipedrive imports their deal export as it comes: whatever its
column names, amounts, dates, stages, owners or encoding, every row either imports or says why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.csv_import import BadFile, ImportStopped, SlackTrouble
from storage import opportunities as store
from storage.db import Database
from storage.timeouts import Timeouts
from tests.test_csv_import import every_row, knows_people, run_import, write

HUBSPOT = """\
"Record ID","Deal Name","Deal Stage","Amount","Close Date","Deal owner","Create Date","Pipeline"
"9001","Acme renewal","Closed Won","1200.5","2026-10-30","Ada Lovelace","2026-01-15 10:23","Sales Pipeline"
"9002","Globex","Appointment Scheduled","48000","2026-12-15","grace@example.com","2026-02-01 09:00","Sales Pipeline"
"9003","Initech","Contract Sent","","","Ada Lovelace","2026-03-01 09:00","Sales Pipeline"
"""
SALESFORCE = """\
"Opportunity Name","Account Name","Amount","Close Date","Stage","Opportunity Owner","Created Date"
"Hooli search","Hooli","$1,200.50","12/15/2026","Proposal/Price Quote","Grace Hopper","11/2/2026"
"Pied Piper","Pied Piper Inc","1.2m","1/31/2027","Closed Lost","UADA","10/20/2026 4:05 PM"
"Stark","Stark Industries","5k","3/4/2027","Needs Analysis","UADA","11/1/2026"
"""
PIPEDRIVE = """\
"Deal - Title","Deal - Value","Deal - Expected close date","Deal - Stage","Deal - Owner","Deal - Organization","Deal - Deal created","Deal - Status"
"Vandelay","800","2026-12-01","Proposal Made","Ada Lovelace","Vandelay Industries","2026-11-01 08:00:00","won"
"Umbrella","2500","2027-02-01","Negotiations Started","Ada Lovelace","Umbrella Corp","2026-11-02 08:00:00","open"
"""  # noqa: E501


def deals(db) -> dict[str, store.OpportunityView]:
    from storage.models import Opportunity

    with db.transaction() as session:
        return {opp.name: opp for opp in session.query(Opportunity).all()}


def test_a_hubspot_export_imports_with_its_own_names_and_stages(db, slack, tmp_path):
    knows_people(slack)
    path = write(tmp_path, "hubspot.csv", HUBSPOT)

    dry = run_import(db, slack, path, dry_run=True, stages={"Appointment Scheduled": "Discovery"})
    report = run_import(db, slack, path, stages={"Appointment Scheduled": "Discovery"})

    assert "Ignored columns: Record ID, Pipeline" in dry.lines()
    assert "Columns: Deal Name -> name, Deal Stage -> stage, Amount -> amount" in dry.lines()[-2]
    assert report.created == 2 and report.rejected == [
        (4, "stage 'Contract Sent' is not one of ours (Prospecting, Discovery, Proposal, Negotiation, Won, Lost); "
         "map it with --stage 'Contract Sent=Our stage'")
    ]  # fmt: skip
    stored = deals(db)
    won = stored["Acme renewal"]
    assert (won.owner_id, won.stage, won.status, won.amount) == ("UADA", "Won", "won", 1201)
    assert won.closed_at == datetime(2026, 10, 30, tzinfo=UTC), "a won deal's past close date is when it closed"
    assert won.created_at == datetime(2026, 1, 15, 10, 23, tzinfo=UTC)
    assert (stored["Globex"].owner_id, stored["Globex"].stage) == ("UGRACE", "Discovery")
    assert [call.args for call in slack.of("users.list")] == [{"limit": "1000"}] * 2, "once a run, for the names"


def test_a_salesforce_export_reads_dollar_amounts_us_dates_and_stage_labels(db, slack, tmp_path):
    knows_people(slack)
    report = run_import(db, slack, write(tmp_path, "salesforce.csv", SALESFORCE), date_order="mdy")

    assert report.created == 2
    assert report.rejected[0][0] == 4 and "stage 'Needs Analysis' is not one of ours" in report.rejected[0][1]
    stored = deals(db)
    hooli, piper = stored["Hooli search"], stored["Pied Piper"]
    assert (hooli.owner_id, hooli.account, hooli.amount, hooli.expected_close, hooli.stage) == (
        "UGRACE", "Hooli", 1201, date(2026, 12, 15), "Proposal",
    )  # fmt: skip
    assert (piper.amount, piper.stage, piper.status) == (1_200_000, "Lost", "lost")
    assert piper.created_at == datetime(2026, 10, 20, 16, 5, tzinfo=UTC)


def test_a_pipedrive_export_takes_won_from_its_status_column(db, slack, tmp_path):
    knows_people(slack)
    report = run_import(
        db, slack, write(tmp_path, "pipedrive.csv", PIPEDRIVE), stages={"Negotiations Started": "Negotiation"}
    )

    assert (report.created, report.rejected) == (2, [])
    stored = deals(db)
    assert (stored["Vandelay"].stage, stored["Vandelay"].status, stored["Vandelay"].account) == (
        "Won", "won", "Vandelay Industries",
    )  # fmt: skip
    assert (stored["Umbrella"].stage, stored["Umbrella"].amount) == ("Negotiation", 2500)


def test_each_tools_file_imported_again_changes_no_column(db, slack, tmp_path):
    knows_people(slack)
    mapping = {
        "Appointment Scheduled": "Discovery",
        "Negotiations Started": "Negotiation",
        "Needs Analysis": "Discovery",
    }
    files = [write(tmp_path, f"{n}.csv", content) for n, content in enumerate((HUBSPOT, SALESFORCE, PIPEDRIVE))]
    for path in files:
        run_import(db, slack, path, stages=mapping, date_order="mdy")
    stored = every_row(db)

    again = [run_import(db, slack, path, stages=mapping, date_order="mdy") for path in files]

    assert [(r.created, r.updated) for r in again] == [(0, 0)] * 3
    assert every_row(db) == stored


@pytest.mark.parametrize(
    ("encoding", "given"),
    [("utf-8", None), ("utf-8-sig", None), ("utf-16", None), ("cp1252", None), ("latin-1", "latin-1")],
)
def test_a_file_in_any_common_encoding_reads_the_same(db, slack, tmp_path, encoding, given):
    knows_people(slack)
    euro = "€" if encoding == "cp1252" else "£"
    content = f"Deal Name,Company,Amount,Owner,Stage\nCafé Müller,Brasserie Noël,{euro}5k,UADA,Discovery\n"

    report = run_import(db, slack, write(tmp_path, "deals.csv", content, encoding), encoding=given)

    assert (report.created, report.rejected) == (1, [])
    assert (deals(db)["Café Müller"].account, deals(db)["Café Müller"].amount) == ("Brasserie Noël", 5000)


def test_a_file_that_is_not_the_encoding_given_is_one_line_and_nothing_is_written(db, slack, tmp_path):
    knows_people(slack)
    rows = "".join(f"Deal {n},UADA,Discovery\n" for n in range(30)) + "Café,UADA,Discovery\n"
    path = write(tmp_path, "deals.csv", "name,owner_id,stage\n" + rows)

    with pytest.raises(BadFile) as refused:
        run_import(db, slack, path, encoding="ascii", batch_size=5)

    assert str(refused.value) == (
        f"{path}: line 32 is not ascii text; give the file's encoding with --encoding (utf-8, utf-16, cp1252, latin-1)"
    )
    assert every_row(db)["opportunities"] == [], "the whole file is read before a row is written"
    workbook = tmp_path / "deals.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(BadFile, match="looks like an Excel workbook: save it as CSV first"):
        run_import(db, slack, str(workbook))


def test_an_ambiguous_date_is_refused_with_its_line_unless_the_order_is_given(db, slack, tmp_path):
    knows_people(slack)
    content = "name,owner_id,stage,expected_close\nAcme,UADA,Discovery,03/04/2027\nGlobex,UADA,Discovery,12/15/2026\n"
    path = write(tmp_path, "deals.csv", content)

    report = run_import(db, slack, path)
    assert report.rejected == [
        (2, "expected_close: “03/04/2027” could be mar 4 or apr 3. Type it like 2027-03-04 or mar 4. "
         "Or give --date-order mdy or dmy.")
    ]  # fmt: skip
    assert deals(db)["Globex"].expected_close == date(2026, 12, 15), "a day above 12 is not ambiguous"

    run_import(db, slack, path, date_order="dmy")
    assert deals(db)["Acme"].expected_close == date(2027, 4, 3)
    run_import(db, slack, path, date_order="mdy")
    assert deals(db)["Acme"].expected_close == date(2027, 3, 4)


def test_map_names_a_column_ours_and_an_empty_target_ignores_one(db, slack, tmp_path):
    knows_people(slack)
    content = "Boss,Title,Phase,Notes,Deal\nada@example.com,Acme,Proposal,call Tuesday,ignored\n"
    path = write(tmp_path, "deals.csv", content)
    mapping = {"Boss": "owner_id", "Phase": "stage", "Notes": "next_step", "Deal": ""}

    report = run_import(db, slack, path, mapping=mapping, dry_run=True)
    assert report.lines()[-2:] == [
        "Columns: Boss -> owner_id, Title -> name, Phase -> stage, Notes -> next_step",
        "Ignored columns: Deal",
    ]
    run_import(db, slack, path, mapping=mapping)
    assert (deals(db)["Acme"].owner_id, deals(db)["Acme"].next_step) == ("UADA", "call Tuesday")


def test_owners_slack_does_not_know_are_rejected_and_each_is_asked_about_once(db, slack, tmp_path):
    knows_people(slack)
    slack.always(
        "users.list",
        lambda args: {
            "ok": True,
            "members": [{"id": uid, "real_name": "Sam Smith", "profile": {}} for uid in ("USAM1", "USAM2")],
            "response_metadata": {"next_cursor": ""},
        },
    )
    rows = [
        "A,UNOBODY,Discovery",
        "B,UNOBODY,Discovery",
        "C,Sam Smith,Discovery",
        "D,Nobody Atall,Discovery",
        "E,UADA,Won",
    ]
    path = write(tmp_path, "deals.csv", "name,owner_id,stage\n" + "\n".join(rows) + "\n")

    report = run_import(db, slack, path)

    assert report.created == 1
    assert report.rejected == [
        (2, "owner_id 'UNOBODY': no one in this Slack workspace has that id"),
        (3, "owner_id 'UNOBODY': no one in this Slack workspace has that id"),
        (4, "owner_id 'Sam Smith': 2 people in Slack have that name: give their email or Slack id instead"),
        (5, "owner_id 'Nobody Atall': no one in Slack has that name: give their email or Slack id instead"),
    ]
    assert sorted(call.args["user"] for call in slack.of("users.info")) == ["UADA", "UNOBODY"]


def test_a_database_that_goes_away_mid_import_says_how_far_it_got_and_a_rerun_finishes(slack, tmp_path):
    knows_people(slack)
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    Database(url).upgrade()
    db = Database(url, timeouts=Timeouts(statement=0.5))
    blocker = Database(url)
    rows = "".join(f"Deal {n},UADA,Discovery\n" for n in range(12))
    path = write(tmp_path, "deals.csv", "name,owner_id,stage\n" + rows)
    held = []

    def take_the_database_away(phase, done, total):
        if phase == "imported" and done == 5 and not held:  # another writer holds SQLite's lock from now on
            connection = blocker.engine.raw_connection()
            connection.execute("BEGIN EXCLUSIVE")
            held.append(connection)

    from bot.services.csv_import import ImportOptions, import_file
    from tests.test_csv_import import NOW, OPEN_STAGES

    client = __import__("slack_sdk").WebClient(token="xoxb-test", base_url=slack.base_url)
    options = ImportOptions("opportunities", path, batch_size=5)
    with pytest.raises(ImportStopped) as stopped:
        import_file(db, client, "T1", options, OPEN_STAGES, NOW, take_the_database_away)
    held[0].rollback()
    held[0].close()

    assert "; 5 of 12 rows were done. Running the same command again is safe" in str(stopped.value)
    assert len(every_row(db)["opportunities"]) == 5
    again = import_file(db, client, "T1", options, OPEN_STAGES, NOW)
    assert (again.created, again.unchanged) == (7, 5)


def test_a_slack_that_refuses_the_token_stops_the_import_before_anything_is_written(db, slack, tmp_path):
    slack.always("users.info", lambda args: {"ok": False, "error": "invalid_auth"})
    path = write(tmp_path, "deals.csv", "name,owner_id,stage\nAcme,UADA,Discovery\n")

    with pytest.raises(SlackTrouble, match=r"Slack refused users\.info \(invalid_auth\); nothing was imported"):
        run_import(db, slack, path)

    assert every_row(db)["opportunities"] == []
