"""From the CRM to Slack: pull deals changed since the stored cursor and keep coaching on top of them.

Deals are upserted by their CRM id, page by page (one transaction a page), stage moves go into the same
history as Slack's, and a deal created or won in the CRM after the first full import is celebrated
exactly like one opened in Slack. The first import and `--full` never celebrate. Deals deleted or merged
away in the CRM (and, with `--full`, deals that left the followed pipeline) are closed here as removed,
never silently lost. Each run searches from the cursor less the CRM's search lag, so a change the search
showed late is still read; what was already applied is skipped by its id and modification time. A deal
carrying our key is the one our create made (its answer lost): it is linked, never imported again. A
record with a missing or odd field is stored with what can be trusted and flagged; one bad record never
stops the sync, and a bad token stops the run with one line. Conflicts: the newest change wins; the
losing value is kept in crm_conflicts. Each page's open deals bring their contacts' emails (one
associations read a page), which place calendar meetings with those people on the deal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from bot.integrations import CrmDeal, CrmProvider, crm_label
from bot.rules.capture import company_domain
from bot.rules.crm_stages import LOST, WON, stage_map, stage_probabilities
from bot.services import Services
from bot.services.celebrations import celebrate
from bot.services.crm_owner_match import match_owners
from storage import crm as store
from storage import crm_outbox as outbox
from storage import crm_owners, crm_records, deal_contacts
from storage.records import OPEN, OpportunityView

log = logging.getLogger("pipeline_coach.crm")

PAGE = 200
NAME_LIMIT = 120
NEW_MARGIN = timedelta(minutes=5)  # HubSpot's search index trails its writes a little


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    flagged: int = 0
    conflicts: int = 0
    celebrated: int = 0
    requests: int = 0
    skipped: bool = False
    error: str | None = None
    bad_token: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return "CRM sync skipped: another sync of this workspace is still running"
        if self.error:
            return f"CRM sync stopped: {self.error}"
        return (
            f"CRM sync: {self.created} new, {self.updated} updated, {self.unchanged} unchanged, {self.removed} closed "
            f"as removed, {self.flagged} flagged, {self.conflicts} conflicts, {self.celebrated} celebrated; "
            f"{self.requests} CRM requests"
        )


def pull(
    services: Services, provider: CrmProvider, team_id: str, now: datetime, report: SyncReport, full: bool
) -> None:
    db, settings = services.db, services.settings
    state = store.sync_state(db, team_id, provider.name)
    may_celebrate = state.imported_at is not None and not full
    new_after = state.cursor - NEW_MARGIN if state.cursor else None
    crm_owners.save_owners(db, team_id, provider.name, ((o.id, o.email, o.name) for o in provider.owners()))
    match_owners(services, team_id, provider.name, now)
    owner_map = {owner.owner_id: owner.slack_user_id for owner in crm_owners.owners(db, team_id, provider.name)}
    stages = provider.stages()
    mapping = stage_map(stages, settings.open_stages, settings.crm_stage_map)
    store.save_stage_weights(db, team_id, provider.name, stage_probabilities(stages, mapping))
    context = _Context(services, provider.name, team_id, now, mapping, owner_map, may_celebrate, new_after, report)
    context.crm, context.every_contact = provider, full
    context.pending = outbox.pending_changes(db, team_id, provider.name)
    cursor, seen, merged, page = state.cursor, set(), {}, []
    since = None if full or state.cursor is None else state.cursor - provider.search_lag
    for deal in provider.changed_deals(since):
        page.append(deal)
        seen.add(deal.id)
        merged.update({gone: deal for gone in deal.merged_ids})
        cursor = deal.modified_at if cursor is None else max(cursor, deal.modified_at)
        if len(page) == PAGE:
            context.apply(page)
            page = []
    context.apply(page)
    known = store.linked_ids(db, team_id, provider.name)
    label = crm_label(provider.name)
    reasons = {gone: f"Deleted in {label}" for gone in provider.removed_deal_ids() & known}
    reasons.update(
        {gone: f"Merged in {label} into {deal.name or deal.id}" for gone, deal in merged.items() if gone in known}
    )
    if full:
        unseen = sorted(known - seen - set(reasons))
        still_there, followed = provider.read_deals(unseen) if unseen else {}, provider.pipeline_id()
        left = [gone for gone in unseen if gone not in still_there or still_there[gone].pipeline_id != followed]
        reasons.update({gone: f"No longer in the followed {label} pipeline" for gone in left})
    report.removed += len(crm_records.close_removed(db, team_id, provider.name, reasons, now))
    store.record_run(db, team_id, provider.name, now, requests=0, cursor=cursor, imported=True)


def deal_key(team_id: str, opportunity_id: int) -> str:
    """Our deal's key in the CRM (unique there): which workspace and opportunity a created deal is."""
    return f"{team_id}-{opportunity_id}"


def _ours(key: str | None, team_id: str) -> int | None:
    team, _, number = (key or "").rpartition("-")
    return int(number) if team == team_id and number.isdigit() else None


@dataclass
class _Context:
    services: Services
    provider: str
    team_id: str
    now: datetime
    mapping: dict[str, str]
    owner_map: dict[str, str | None]
    may_celebrate: bool
    new_after: datetime | None
    report: SyncReport
    pending: dict[int, datetime] = field(default_factory=dict)
    crm: CrmProvider | None = None  # read for the deals' contacts and companies
    every_contact: bool = False  # `--full`: the contacts of unchanged deals are read again too

    def apply(self, deals: list[CrmDeal]) -> None:
        if not deals:
            return
        db = self.services.db
        known = store.linked(db, self.team_id, self.provider, (deal.id for deal in deals))
        records, events = [], []
        for deal in deals:
            link = known.get(deal.id)
            if link and link.crm_modified_at and deal.modified_at <= link.crm_modified_at:
                self.report.unchanged += 1
                continue
            ours = _ours(deal.key, self.team_id) if link is None else None
            if ours is not None and store.opportunity(db, self.team_id, ours) is not None:
                # the deal our own create made, though its answer was lost: linked, never imported
                store.link(db, self.team_id, self.provider, ours, deal.id, deal.modified_at, self.now)
                self.report.unchanged += 1
                continue
            try:
                record, kinds = self.decide(deal, link)
            except Exception:  # one odd record must never stop the sync
                log.exception("could not read %s deal %s; skipped this time", crm_label(self.provider), deal.id)
                continue
            records.append(record)
            events.append(kinds)
        saved = crm_records.save_records(db, self.team_id, self.provider, records, self.now)
        for record, view, kinds in zip(records, saved, events, strict=True):
            self.report.flagged += bool(record.flags)
            self.report.conflicts += len(record.conflicts)
            if record.opportunity_id is None:
                self.report.created += 1
            else:
                self.report.updated += 1
            for kind in kinds:
                self.celebrate(view, kind)
        views = {crm_id: link.opportunity for crm_id, link in known.items()} if self.every_contact else {}
        self.take_contacts({**views, **{record.crm_id: view for record, view in zip(records, saved, strict=True)}})

    def take_contacts(self, views: dict[str, OpportunityView]) -> None:
        """The page's open deals' contacts' emails and companies' domains: a calendar meeting with one of
        them is time on that deal (bot/rules/capture.py, `crm_contact` and `crm_company`)."""
        if self.crm is None or not views:
            return
        open_ones = sorted(crm_id for crm_id, view in views.items() if view.status == OPEN)
        found = self.crm.deal_contacts(open_ones) if open_ones else {}
        companies = self.crm.deal_domains(open_ones) if open_ones else {}
        emails = {view.id: found.get(crm_id, ()) for crm_id, view in views.items()}
        domains = {
            view.id: {company_domain(domain) for domain in companies.get(crm_id, ())} for crm_id, view in views.items()
        }
        deal_contacts.replace(self.services.db, self.team_id, emails, domains)

    def decide(self, deal: CrmDeal, link: store.Linked | None) -> tuple[crm_records.Record, list[str]]:
        opp = link.opportunity if link else None
        flags: list[tuple[str, str]] = []
        crm = crm_label(self.provider)
        name = " ".join((deal.name or "").split())
        if not name:
            name = f"{crm} deal {deal.id}"
            flags.append(("no_name", f"The deal has no name in {crm}."))
        if len(name) > NAME_LIMIT:
            flags.append(("long_name", f"The name has {len(name)} characters; the first {NAME_LIMIT - 1} are kept."))
            name = name[: NAME_LIMIT - 1] + "…"
        amount = _amount(deal.amount)
        if amount is None:
            problem = "no_amount" if not (deal.amount or "").strip() else "bad_amount"
            flags.append((problem, f"No amount in {crm}." if problem == "no_amount" else f"Amount {deal.amount!r}."))
        stage = self.mapping.get(deal.stage_id or "")
        if stage is None:
            flags.append(("unknown_stage", f"Stage {deal.stage_id!r} is not in the followed pipeline."))
            stage = opp.stage if opp else self.services.settings.open_stages[0]
        owner = self._owner(deal, opp, flags)
        status = {WON: "won", LOST: "lost"}.get(stage, OPEN)
        theirs = {"name": name, "amount": amount, "stage": stage, "expected_close": deal.close_date, "owner": owner}
        conflicts: list[tuple[str, str | None, str | None, str]] = []
        if opp is not None and opp.id in self.pending:
            ours = {"name": opp.name, "amount": opp.amount, "stage": opp.stage, "expected_close": opp.expected_close,
                    "owner": opp.owner_id}  # fmt: skip
            slack_newer = self.pending[opp.id] > deal.modified_at
            for key, value in theirs.items():
                if value != ours[key]:
                    kept, lost = (ours[key], value) if slack_newer else (value, ours[key])
                    conflicts.append((key, _text(kept), _text(lost), "slack" if slack_newer else self.provider))
            if slack_newer:
                theirs = ours
                status = opp.status
            else:
                outbox.supersede(self.services.db, self.team_id, self.provider, opp.id, deal.modified_at)
        record = crm_records.Record(
            crm_id=deal.id,
            crm_modified_at=deal.modified_at,
            opportunity_id=opp.id if opp else None,
            owner_id=theirs["owner"],
            name=theirs["name"],
            amount=theirs["amount"],
            stage=theirs["stage"],
            status=status if opp is None or opp.status in (OPEN, "won", "lost") else opp.status,
            expected_close=theirs["expected_close"],
            created_at=deal.created_at,
            changed_at=max(deal.modified_at, opp.last_change_at) if opp else deal.modified_at,
            from_stage=opp.stage if opp else None,
            stage_moved=opp is not None and opp.stage != theirs["stage"],
            flags=tuple(flags),
            conflicts=tuple(conflicts),
        )
        return record, self._celebrations(deal, opp, record)

    def _owner(self, deal: CrmDeal, opp: OpportunityView | None, flags: list) -> str:
        if deal.owner_id is None:
            flags.append(("no_owner", f"The deal has no owner in {crm_label(self.provider)}."))
            return opp.owner_id if opp else crm_owners.placeholder_owner(None)
        matched = self.owner_map.get(deal.owner_id)
        if matched:
            return matched
        crm = crm_label(self.provider)
        flags.append(("unmatched_owner", f"{crm} owner {deal.owner_id} has no Slack user with the same email."))
        return crm_owners.placeholder_owner(deal.owner_id)

    def _celebrations(self, deal: CrmDeal, opp: OpportunityView | None, record: crm_records.Record) -> list[str]:
        if not self.may_celebrate or record.owner_id.startswith(crm_owners.PLACEHOLDER):
            return []
        kinds = []
        if opp is None and (self.new_after is None or deal.created_at >= self.new_after):
            kinds.append("new")
        if record.status == "won" and (opp is None and kinds or opp is not None and opp.status == OPEN):
            kinds.append("won")
        return kinds

    def celebrate(self, view: OpportunityView, kind: str) -> None:
        if celebrate(self.services, view, kind):
            self.report.celebrated += 1


def _amount(raw: str | None) -> int | None:
    try:
        value = Decimal((raw or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > 10**13:
        return None
    return int(value.to_integral_value())


def _text(value) -> str | None:
    return None if value is None else str(value)
