"""A team moving from a spreadsheet, or restoring an export, imports it in one command; a second run
changes nothing, and a file larger than one batch is written batch by batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import text

from bot.services.csv_import import ImportOptions, import_file
from bot.services.export import to_csv
from storage import export
from storage import opportunities as store
from tests.test_cli import bot_cli, sqlite_url  # noqa: F401 (fixture)

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OPEN_STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")
PEOPLE = {"UADA": ("ada@example.com", "Ada Lovelace"), "UGRACE": ("grace@example.com", "Grace Hopper")}


def knows_people(slack) -> None:
    """Slack knows Ada and Grace, by id, by email and in its directory; nobody else."""

    def info(args):
        if args.get("user") in PEOPLE:
            return {"ok": True, "user": {"id": args["user"], "deleted": False}}
        return {"ok": False, "error": "user_not_found"}

    def by_email(args):
        found = [uid for uid, (email, _) in PEOPLE.items() if email == str(args.get("email")).lower()]
        if not found:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": found[0], "deleted": False}}

    members = [
        {"id": uid, "name": email.split("@")[0], "real_name": name, "profile": {"email": email, "real_name": name}}
        for uid, (email, name) in PEOPLE.items()
    ]
    slack.always("users.info", info)
    slack.always("users.lookupByEmail", by_email)
    slack.always("users.list", lambda args: {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}})


def run_import(db, slack, path: str, kind: str = "opportunities", **options):
    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    return import_file(db, client, "T1", ImportOptions(kind, path, **options), OPEN_STAGES, NOW)


def write(tmp_path, name: str, content: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return str(path)


def exported(db) -> tuple[str, str]:
    opportunities, _ = to_csv(export.OPPORTUNITY_COLUMNS, export.opportunity_rows(db, "T1", None, None))
    logged, _ = to_csv(export.ACTIVITY_COLUMNS, export.activity_rows(db, "T1", None, None))
    return opportunities, logged


def every_row(db) -> dict[str, list[tuple]]:
    """Every column of every row the import can touch, to prove a second run changed nothing."""
    with db.engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("opportunities", "stage_changes", "activities")
        }


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


def empty(db) -> None:
    with db.engine.begin() as connection:
        for table in ("activities", "stage_changes", "opportunities"):
            connection.execute(text(f"DELETE FROM {table}"))


def test_an_export_imported_into_an_empty_workspace_exports_again_exactly(db, slack, tmp_path):
    knows_people(slack)
    seed(db)
    before = exported(db)
    opportunities_file = write(tmp_path, "opportunities.csv", before[0])
    activities_file = write(tmp_path, "activities.csv", before[1])
    empty(db)

    assert run_import(db, slack, opportunities_file).created == 3
    assert run_import(db, slack, activities_file, "activities").created == 2

    assert exported(db) == before
    stored = every_row(db)
    again = run_import(db, slack, opportunities_file), run_import(db, slack, activities_file, "activities")
    assert [(r.created, r.updated, r.unchanged, r.rejected) for r in again] == [(0, 0, 3, []), (0, 0, 2, [])]
    assert every_row(db) == stored
    fresh = store.create_opportunity(db, "T1", "UADA", store.NewOpportunity("After the import", "Discovery"), NOW)
    assert fresh.id > 3, "new deals get ids after the imported ones"


def test_an_export_imported_over_the_same_data_changes_no_column(db, slack, tmp_path):
    knows_people(slack)
    seed(db)
    stored = every_row(db)
    opportunities, activities = exported(db)

    deals = run_import(db, slack, write(tmp_path, "o.csv", opportunities))
    logged = run_import(db, slack, write(tmp_path, "a.csv", activities), "activities")

    assert (deals.created, deals.updated, deals.unchanged, deals.rejected) == (0, 0, 3, [])
    assert (logged.created, logged.updated, logged.unchanged, logged.rejected) == (0, 0, 2, [])
    assert every_row(db) == stored


SPREADSHEET = """name,owner_id,stage,amount,expected_close,account
Hooli search,ada@example.com,discovery,30000,2027-01-31,Hooli
Pied Piper,UGRACE,Proposal,12 grand,,
,UADA,Discovery,,,
Stark renewal,nobody@example.com,Discovery,,,
Wayne deal,UADA,Closing,,,
Umbrella,UADA,Won,5000,2027-13-01,
Vandelay,UADA,Negotiation,"$1,200.50",12/15/2026,Vandelay Industries
Soylent,UNOBODY,Discovery,1.2m,,
"""


def test_bad_rows_are_rejected_with_their_line_and_reason_and_the_rest_import(db, slack, tmp_path):
    knows_people(slack)
    path = write(tmp_path, "sheet.csv", SPREADSHEET)

    dry = run_import(db, slack, path, dry_run=True)
    assert every_row(db)["opportunities"] == [], "a dry run changes nothing"
    report = run_import(db, slack, path)

    assert (dry.created, dry.rejected) == (report.created, report.rejected) == (2, report.rejected)
    assert report.rejected == [
        (3, "amount: I couldn't read “12 grand” as an amount. Try 48000, 48k, $48,000 or 1.2m."),
        (4, "name is empty"),
        (5, "owner_id 'nobody@example.com': no one in this Slack workspace has that email"),
        (6, "stage 'Closing' is not one of ours (Prospecting, Discovery, Proposal, Negotiation, Won, Lost); "
         "map it with --stage 'Closing=Our stage'"),
        (7, "expected_close: “2027-13-01” isn't a real date. Check the day and month, like 2026-12-15 or dec 15."),
        (9, "owner_id 'UNOBODY': no one in this Slack workspace has that id"),
    ]  # fmt: skip
    deals = {opp.name: opp for opp in store.open_opportunities(db, "T1", "UADA", 10)[0]}
    assert set(deals) == {"Hooli search", "Vandelay"}
    assert (deals["Vandelay"].amount, deals["Vandelay"].expected_close) == (1201, date(2026, 12, 15))
    assert dry.lines()[0] == "Would create 2, update 0, 0 unchanged, 6 rejected (opportunities)."
    assert "Columns: name -> name, owner_id -> owner_id, stage -> stage" in dry.lines()[-1]

    stored = every_row(db)
    again = run_import(db, slack, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2), "no created_at in the file moves nothing"
    assert every_row(db) == stored


def test_a_file_larger_than_a_batch_is_written_batch_by_batch_and_matched_across_batches(db, slack, tmp_path):
    knows_people(slack)
    rows = [f"Deal {n},UADA,Discovery,{n}k" for n in range(1, 24)] + ["deal 3,UADA,Proposal,3k"]
    path = write(tmp_path, "many.csv", "name,owner_id,stage,amount\n" + "\n".join(rows) + "\n")

    dry = run_import(db, slack, path, dry_run=True, batch_size=5)
    report = run_import(db, slack, path, batch_size=5)

    assert (dry.created, dry.updated) == (report.created, report.updated) == (23, 1)
    deals = {opp.name: opp for opp in store.open_opportunities(db, "T1", "UADA", 50)[0]}
    assert len(deals) == 23 and deals["deal 3"].stage == "Proposal", "a deal listed twice: the later row wins"
    again = run_import(db, slack, path, batch_size=7)
    assert (again.created, again.updated, again.unchanged) == (0, 2, 22), "…each time the file is read"


def test_a_dry_run_prints_the_columns_it_read_and_a_broken_file_gets_one_line(slack, sqlite_url, tmp_path):  # noqa: F811
    knows_people(slack)
    sheet = "Deal Name,Owner email,Stage,Pipeline\nHooli,ada@example.com,Discovery,x\nBad,UADA,Nope,y\n"
    path = write(tmp_path, "sheet.csv", sheet)

    done = bot_cli("import", "opportunities", path, "--team", "T1", "--dry-run", slack=slack, database_url=sqlite_url)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Would create 1, update 0, 0 unchanged, 1 rejected (opportunities).",
        "  line 3: stage 'Nope' is not one of ours (Prospecting, Discovery, Proposal, Negotiation, Won, Lost); "
        "map it with --stage 'Nope=Our stage'",
        "Read as utf-8.",
        "Columns: Deal Name -> name, Owner email -> owner_id, Stage -> stage",
        "Ignored columns: Pipeline",
    ]  # fmt: skip
    assert [call.args["email"] for call in slack.of("users.lookupByEmail")] == ["ada@example.com"]

    cases = [
        ("colour,size\nx,y\n", [], "no column for name (the file has colour, size)"),
        ("name,owner_id,stage\n", ["--map", "Nom=name"], "--map 'Nom': the file has no such column"),
        ("name,owner_id,stage\n", ["--map", "name=title"], "'title' is not one of our fields"),
        ("name,owner_id,stage\n", ["--map", "name"], "--map 'name' should look like 'Their name=ours'"),
        ("name,owner_id,stage\n", ["--encoding", "klingon"], "--encoding 'klingon' is not an encoding"),
        ("name,owner_id,stage\n", ["--batch-size", "0"], "--batch-size must be from 1 to 10000"),
        ("name,owner_id,stage\n", ["--team", "acme"], "--team 'acme' is not a workspace id"),
        ("Deal Name,Title,owner_id,stage\n", [], "columns 'Deal Name' and 'Title' both look like name"),
    ]
    for content, extra, says in cases:
        bad = write(tmp_path, "bad.csv", content)
        failed = bot_cli("import", "opportunities", bad, "--team", "T1", *extra, slack=slack, database_url=sqlite_url)
        assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1, (says, failed.stderr)
        assert says in failed.stderr
    nowhere = str(tmp_path / "nope.csv")
    missing = bot_cli("import", "opportunities", nowhere, "--team", "T1", slack=slack, database_url=sqlite_url)
    assert missing.returncode == 2 and missing.stderr.startswith("Could not read") and "Traceback" not in missing.stderr
