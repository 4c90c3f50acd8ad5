"""Where a captured meeting's time goes: a deal, prospecting, "ask the rep" (unplaced) or not selling time.

Pure and explainable: every placement names the rule that made it. Meetings with people from outside the
company are placed, in order, by the CRM's association, by an attendee who is a CRM contact of exactly one
of the rep's open deals, by an attendee's email domain that is the CRM company domain of exactly one of
them, by a choice the rep made before for an attendee's domain, then by a deal's (or its account's) name
in the title; CRM contacts without a deal
make it prospecting. Internal-only meetings count only when their title names a deal. Nothing is
guessed: no rule, or two deals that fit equally, leaves the meeting unplaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.integrations.activities import CapturedMeeting

DEAL, PROSPECTING, UNPLACED, NOT_SELLING = "deal", "prospecting", "unplaced", "not_selling"
PLACEMENTS = (DEAL, PROSPECTING, UNPLACED, NOT_SELLING)
# The rules, by the name stored with each entry.
CRM, CRM_CONTACT, CRM_COMPANY, REMEMBERED, TITLE, INTERNAL_TITLE, CRM_CONTACTS, NO_RULE, INTERNAL, REP = (
    "crm",
    "crm_contact",
    "crm_company",
    "remembered",
    "title",
    "internal_title",
    "crm_contacts",
    "none",
    "internal",
    "rep",
)
WHY = {
    CRM: "the CRM links it to the deal",
    REMEMBERED: "you placed meetings with this company before",
    TITLE: "its title names the deal",
    INTERNAL_TITLE: "an internal meeting whose title names the deal",
    CRM_CONTACTS: "CRM contacts, no deal yet",
    CRM_CONTACT: "someone there is a CRM contact of the deal",
    CRM_COMPANY: "someone there is from the deal's company in the CRM",
    NO_RULE: "nothing says which deal",
    INTERNAL: "internal only",
    REP: "you chose",
}
_SMALL_WORDS = frozenset({"the", "and", "inc", "ltd", "llc", "co", "deal", "new", "call", "meeting", "sync"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class OpenDeal:
    id: int
    name: str
    account: str | None = None


@dataclass(frozen=True)
class Choice:
    """What the rep chose for meetings with a domain: a deal, prospecting or not selling time."""

    placement: str
    opportunity_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Placement(Choice):
    """Where the rules put a meeting (a choice, as a rep would make it), by which rule, with whom."""

    rule: str
    domains: tuple[str, ...]  # the outside attendees' domains


@dataclass(frozen=True)
class Context:
    """What the rules may look at for one rep."""

    own_domains: frozenset[str]
    deals: tuple[OpenDeal, ...]
    remembered: Mapping[str, Choice]  # domain -> the rep's choice
    crm_deals: Mapping[str, int]  # CRM deal id -> our open deal's id
    contacts: Mapping[str, frozenset[int]] = field(default_factory=dict)  # CRM contact's email -> open deals
    companies: Mapping[str, frozenset[int]] = field(default_factory=dict)  # CRM company's domain -> open deals


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def company_domain(text: str) -> str:
    """A company's domain as emails carry it: "https://www.Acme.com/" and "acme.com" are one company."""
    domain = text.strip().lower().partition("://")[2] or text.strip().lower()
    domain = domain.split("/", 1)[0].rstrip(".")
    return domain.removeprefix("www.")


def outside_domains(emails: Iterable[str], own_domains: frozenset[str]) -> tuple[str, ...]:
    domains = {domain_of(email) for email in emails if "@" in email}
    return tuple(sorted(domain for domain in domains if domain and domain not in own_domains))


def place(meeting: CapturedMeeting, context: Context) -> Placement:
    """Where this meeting's time goes, and by which rule (see the module's docstring for the order)."""
    outside = outside_domains(meeting.attendee_emails, context.own_domains)
    open_ids = {deal.id for deal in context.deals}
    linked = {context.crm_deals[crm_id] for crm_id in meeting.deal_ids if crm_id in context.crm_deals}
    linked &= open_ids
    if len(linked) == 1:
        return Placement(DEAL, linked.pop(), rule=CRM, domains=outside)
    named = deal_named(meeting.title, context.deals)
    if not outside and not meeting.has_contacts:
        if named is not None:
            return Placement(DEAL, named, rule=INTERNAL_TITLE, domains=outside)
        return Placement(NOT_SELLING, None, rule=INTERNAL, domains=outside)
    theirs = {
        deal
        for email in meeting.attendee_emails
        if domain_of(email) in outside
        for deal in context.contacts.get(email.strip().lower(), ())
    }
    if len(theirs & open_ids) == 1:
        return Placement(DEAL, (theirs & open_ids).pop(), rule=CRM_CONTACT, domains=outside)
    companies = {deal for domain in outside for deal in context.companies.get(company_domain(domain), ())}
    if len(companies & open_ids) == 1:
        return Placement(DEAL, (companies & open_ids).pop(), rule=CRM_COMPANY, domains=outside)
    remembered = {context.remembered[domain] for domain in outside if domain in context.remembered}
    remembered = {choice for choice in remembered if choice.opportunity_id in open_ids or choice.placement != DEAL}
    if len(remembered) == 1:
        choice = remembered.pop()
        return Placement(choice.placement, choice.opportunity_id, rule=REMEMBERED, domains=outside)
    if named is not None:
        return Placement(DEAL, named, rule=TITLE, domains=outside)
    if meeting.has_contacts and not meeting.deal_ids:
        return Placement(PROSPECTING, None, rule=CRM_CONTACTS, domains=outside)
    return Placement(UNPLACED, None, rule=NO_RULE, domains=outside)


def deal_named(title: str | None, deals: Iterable[OpenDeal]) -> int | None:
    """The one open deal whose full name, account or leading word the title names as whole words; a full
    name beats a shorter name; two deals equally named is no answer."""
    words = _words(title)
    if not words:
        return None
    best: dict[int, set[int]] = {}
    for deal in deals:
        for strength, phrase in ((3, deal.name), (2, deal.account), (1, _leading_word(deal.name))):
            if phrase and _contains(words, _words(phrase)):
                best.setdefault(strength, set()).add(deal.id)
                break
    for strength in (3, 2, 1):
        found = best.get(strength, set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            return None
    return None


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(word.casefold() for word in _WORD.findall(text or ""))


def _leading_word(name: str) -> str | None:
    words = _words(name)
    return words[0] if words and len(words[0]) >= 3 and words[0] not in _SMALL_WORDS else None


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return size > 0 and any(words[index : index + size] == phrase for index in range(len(words) - size + 1))


@dataclass(frozen=True)
class Overlap:
    """A hand log on a deal and day that already has captured meetings: what it added to the count."""

    captured_minutes: int
    added_minutes: int


def hand_log_adds(logged_before: int, logged_now: int, captured: int) -> int:
    """The rule that keeps an hour from counting twice (storage/concentration.py does the same in SQL): on
    a deal and a day, hand-logged time counts only the part above the captured minutes."""
    return max(logged_now, captured) - max(logged_before, captured)


ASK_AT_MOST = 5  # meetings in one question DM


def may_ask(ignored_this_week: int, answered_this_week: int) -> bool:
    """Ask about unplaced meetings unless the rep left this week's questions unanswered: then not again
    until next week (at most one question DM a working day is the outbox key's part)."""
    return not (ignored_this_week and not answered_this_week)


SAME_MEETING_MINUTES = 5  # a CRM's meeting starting this close to one from the rep's calendar is that one


def not_on_calendar(meetings: Iterable[CapturedMeeting], calendar_starts: Iterable) -> list[CapturedMeeting]:
    """A CRM's meetings less those the rep's calendar already brought in (the same meeting logged in both
    places counts once, as the calendar's); calls are the CRM's alone and always stay."""
    starts = sorted(calendar_starts)

    def on_calendar(meeting: CapturedMeeting) -> bool:
        return any(abs((start - meeting.starts_at).total_seconds()) <= SAME_MEETING_MINUTES * 60 for start in starts)

    return [meeting for meeting in meetings if meeting.kind != "meeting" or not on_calendar(meeting)]
