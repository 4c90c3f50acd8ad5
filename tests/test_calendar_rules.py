"""Placing a captured meeting: the CRM's word first, then a CRM contact of one deal, then a CRM company domain
of one deal, then the rep's earlier choice for a domain, then a deal named in the title; internal meetings
only when they name a deal; never a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.integrations.activities import CapturedMeeting
from bot.rules import capture as rules

START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
ACME = rules.OpenDeal(1, "Acme renewal", "Acme")
ACME_MORE = rules.OpenDeal(2, "Acme expansion", "Acme")
GLOBEX = rules.OpenDeal(3, "Globex pilot")


def meeting(title: str | None, *people: str, source: str = "calendar", **more) -> CapturedMeeting:
    return CapturedMeeting(source, "k", START, START + timedelta(hours=1), title, tuple(people), **more)


def context(remembered=None, crm=None, deals=(ACME, ACME_MORE, GLOBEX)) -> rules.Context:
    return rules.Context(frozenset({"us.example"}), tuple(deals), remembered or {}, crm or {})


def placed(item: CapturedMeeting, ctx: rules.Context | None = None) -> tuple[str, int | None, str]:
    found = rules.place(item, ctx or context())
    return found.placement, found.opportunity_id, found.rule


def test_the_crm_association_wins_over_everything_else():
    item = meeting("Globex pilot review", "ann@acme.com", source="hubspot", deal_ids=("crm-9",))
    assert placed(item, context(crm={"crm-9": 1})) == ("deal", 1, "crm")


def test_an_attendee_who_is_a_crm_contact_of_exactly_one_open_deal_places_it_before_any_remembered_domain():
    contacts = {"ann@acme.com": frozenset({1}), "cy@acme.com": frozenset({1, 2}), "old@acme.com": frozenset({99}),
                "me@us.example": frozenset({1})}  # fmt: skip
    ctx = rules.Context(frozenset({"us.example"}), (ACME, ACME_MORE, GLOBEX), {"acme.com": rules.Choice("deal", 2)}, {},
                        contacts)  # fmt: skip
    assert placed(meeting("Catch-up", "Ann@Acme.com"), ctx) == ("deal", 1, "crm_contact")
    assert placed(meeting("Catch-up", "cy@acme.com"), ctx) == ("deal", 2, "remembered"), "two deals: no answer"
    assert placed(meeting("Catch-up", "old@acme.com"), ctx) == ("deal", 2, "remembered"), "a closed deal"
    assert placed(meeting("Globex sync", "me@us.example"), ctx) == ("deal", 3, "internal_title"), "our own: no"


def test_an_attendee_from_the_crm_company_of_exactly_one_open_deal_places_it_after_contacts_before_memory():
    companies = {"acme.com": frozenset({1}), "initech.com": frozenset({2, 3}), "hooli.com": frozenset({99}),
                 "us.example": frozenset({1})}  # fmt: skip
    remembered = {"acme.com": rules.Choice("deal", 2), "initech.com": rules.Choice("deal", 2)}
    ctx = rules.Context(frozenset({"us.example"}), (ACME, ACME_MORE, GLOBEX), remembered, {},
                        {"pat@acme.com": frozenset({3})}, companies)  # fmt: skip
    assert placed(meeting("Catch-up", "Ann@ACME.com"), ctx) == ("deal", 1, "crm_company")
    assert placed(meeting("Catch-up", "pat@acme.com"), ctx) == ("deal", 3, "crm_contact"), "a contact comes first"
    assert placed(meeting("Catch-up", "cy@initech.com"), ctx) == ("deal", 2, "remembered"), "two deals: no answer"
    assert placed(meeting("Catch-up", "bo@hooli.com"), ctx) == ("unplaced", None, "none"), "a closed deal"
    assert placed(meeting("Team standup", "me@us.example"), ctx) == ("not_selling", None, "internal"), "our own"
    both = rules.Context(
        frozenset(), (ACME, GLOBEX), {}, {}, {}, {"acme.com": frozenset({1}), "globex.com": frozenset({3})}
    )
    assert placed(meeting("Three-way", "ann@acme.com", "bo@globex.com"), both) == ("unplaced", None, "none")


def test_a_company_domain_is_read_as_emails_carry_it():
    assert rules.company_domain("WWW.Acme.com") == "acme.com"
    assert rules.company_domain("https://www.acme.com/about") == "acme.com"
    assert rules.company_domain(" acme.com. ") == "acme.com"


def test_a_domain_the_rep_placed_before_comes_next_then_the_title():
    ctx = context(remembered={"acme.com": rules.Choice("deal", 2)})
    assert placed(meeting("Catch-up", "ann@acme.com"), ctx) == ("deal", 2, "remembered")
    assert placed(meeting("Globex pilot kickoff", "bo@globex.com")) == ("deal", 3, "title")
    assert placed(meeting("Acme renewal terms", "ann@acme.com")) == ("deal", 1, "title")
    prospecting = context(remembered={"initech.com": rules.Choice("prospecting")})
    assert placed(meeting("Intro", "cy@initech.com"), prospecting) == ("prospecting", None, "remembered")


def test_two_deals_that_fit_equally_are_never_guessed_between():
    assert placed(meeting("Acme sync", "ann@acme.com")) == ("unplaced", None, "none")
    assert placed(meeting("Quarterly review", "ann@acme.com")) == ("unplaced", None, "none")
    ctx = context(remembered={"acme.com": rules.Choice("deal", 1), "globex.com": rules.Choice("deal", 3)})
    assert placed(meeting("Three-way", "ann@acme.com", "bo@globex.com"), ctx)[0] == "unplaced"


def test_internal_meetings_count_only_when_they_name_a_deal():
    assert placed(meeting("Globex pricing review", "boss@us.example")) == ("deal", 3, "internal_title")
    assert placed(meeting("Team standup", "boss@us.example")) == ("not_selling", None, "internal")
    assert placed(meeting("Focus time")) == ("not_selling", None, "internal")


def test_crm_contacts_without_a_deal_are_prospecting_and_a_closed_deal_is_not_chosen():
    item = meeting("Intro call", "cy@initech.com", source="hubspot", has_contacts=True)
    assert placed(item) == ("prospecting", None, "crm_contacts")
    gone = context(remembered={"acme.com": rules.Choice("deal", 99)})  # that deal is closed now
    assert placed(meeting("Catch-up", "ann@acme.com"), gone) == ("unplaced", None, "none")


def test_a_hand_log_counts_only_above_what_was_captured_that_day():
    assert rules.hand_log_adds(logged_before=0, logged_now=90, captured=60) == 30
    assert rules.hand_log_adds(logged_before=0, logged_now=45, captured=60) == 0
    assert rules.hand_log_adds(logged_before=30, logged_now=90, captured=60) == 30
    assert rules.hand_log_adds(logged_before=0, logged_now=60, captured=0) == 60
