"""From Slack to the CRM, and the sync run that does both directions.

`after_change` is what the pipeline service calls once a deal is opened, moved, won or lost in Slack: it
only enqueues (storage/crm_outbox.py), so Slack's 3 seconds are never spent on the CRM. `send_due` claims
due writes and sends the deal as it stands then: its name, stage, owner, amount and close date (time
logged and coaching stay ours). A create carries our deal's key, unique in the CRM: a create whose
earlier try failed first looks the deal up by that key, and HubSpot refuses a second deal with it, so a
5xx that hid a success never creates it twice, and two same-named deals stay two. The outbox's claims
keep two instances from sending the same write, and one sync of a workspace runs at a time (a second
one that starts meanwhile is skipped).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

from bot.integrations import BadToken, CrmError, CrmProvider, DealWrite, NotFound, crm_label
from bot.integrations.activities import ActivitySource
from bot.rules.crm_stages import reverse_map, stage_map
from bot.services import Services
from bot.services.crm_batch import prepared, recorded
from bot.services.crm_pace import SharedPace
from bot.services.crm_sync import SyncReport, deal_key, pull
from storage import crm as store
from storage import crm_outbox as outbox
from storage import crm_owners
from storage.records import OpportunityView

log = logging.getLogger("pipeline_coach.crm")
RUN_LEASE = timedelta(minutes=30)  # a sync that crashed frees its workspace after this


def provider_name(settings) -> str:
    """The CRM this install follows ("hubspot" or "salesforce"): the name its rows are kept under."""
    return settings.crm_provider


def make_provider(services: Services) -> CrmProvider:
    settings = services.settings
    if settings.crm_provider == "salesforce":
        from bot.services.salesforce_connection import salesforce_provider

        return salesforce_provider(services)
    from bot.integrations.hubspot import HubSpotProvider

    return HubSpotProvider(
        settings.hubspot_access_token, settings.hubspot_pipeline, host=settings.hubspot_api_url, pace=_pace(services)
    )


def make_activities(services: Services) -> ActivitySource:
    """The CRM's meetings and calls (HubSpot's, or Salesforce's Events and call Tasks), read on the deal
    sync's pace: one budget per portal or org, never two."""
    settings = services.settings
    if settings.crm_provider == "salesforce":
        from bot.integrations.salesforce_activities import SalesforceActivities
        from bot.services.salesforce_connection import salesforce_provider

        return SalesforceActivities(salesforce_provider(services))
    from bot.integrations.hubspot_activities import HubSpotActivities

    return HubSpotActivities(settings.hubspot_access_token, host=settings.hubspot_api_url, pace=_pace(services))


def _pace(services: Services) -> SharedPace:
    return SharedPace(services.db, services.settings.hubspot_access_token)


def after_change(services: Services, opp: OpportunityView) -> None:
    """Queue this deal's change for the CRM (no-op without a CRM)."""
    if not services.settings.crm_enabled or opp.owner_id.startswith(crm_owners.PLACEHOLDER):
        return
    db, crm_name = services.db, provider_name(services.settings)
    if store.crm_id_of(db, opp.team_id, crm_name, opp.id) is None:
        outbox.enqueue(db, opp.team_id, crm_name, opp.id, outbox.CREATE, opp.last_change_at)
    outbox.enqueue(db, opp.team_id, crm_name, opp.id, opp.last_change_at.isoformat(), opp.last_change_at)


def send_due(services: Services, provider: CrmProvider, team_id: str, now: datetime, report: SyncReport) -> int:
    db, settings, crm_name = services.db, services.settings, provider.name
    writes = outbox.claim_due(db, team_id, crm_name, now)
    if not writes:
        return 0
    stages = provider.stages()
    back = reverse_map(stages, stage_map(stages, settings.open_stages, settings.crm_stage_map), settings.open_stages)
    owners = {o.slack_user_id: o.owner_id for o in crm_owners.owners(db, team_id, crm_name) if o.slack_user_id}
    creates_waiting = {w.opportunity_id for w in writes if w.is_create}
    try:  # a provider that takes batches gets this run's plain creates and updates in a few requests
        provider = prepared(
            services, provider, writes, lambda w, o: deal_write(w, o, back, owners), holds_key(provider)
        )
    except BadToken:
        for write in writes:
            outbox.release(db, write, now, f"{crm_label(crm_name)} refused the access token")
        raise
    written: set[int] = set()  # a deal written in this run went out as it stands now: later rows are in it
    carried: list[outbox.Write] = []
    sent = 0
    for index, write in enumerate(writes):
        if write.opportunity_id in written:
            carried.append(write)
            continue
        try:
            made = _send(services, provider, write, back, owners, creates_waiting, now)
            sent += made
            if made:
                written.add(write.opportunity_id)
        except BadToken:
            for rest in writes[index:]:
                outbox.release(db, rest, now, f"{crm_label(crm_name)} refused the access token")
            outbox.mark_sent(db, carried, now)
            raise
        except NotFound:
            outbox.mark_failed_attempt(db, write, f"the deal is gone from {crm_label(crm_name)}", now)
        except CrmError as error:
            status = outbox.mark_failed_attempt(db, write, str(error), now)
            log.warning("CRM write for opportunity %s failed (%s); %s", write.opportunity_id, error, status)
    outbox.mark_sent(db, carried, now)
    return sent


def deal_write(write: outbox.Write, opp: OpportunityView, back: dict, owners: dict) -> DealWrite:
    """What a write sends: the deal as it stands now (a create with our key and when it was queued)."""
    key = deal_key(write.team_id, opp.id) if write.is_create else None
    queued = write.changed_at if write.is_create else None
    owner = owners.get(opp.owner_id)
    return DealWrite(opp.name, back.get(opp.stage, ""), owner, opp.amount, opp.expected_close, key, queued)


def _send(services, provider, write: outbox.Write, back, owners, creates_waiting, now) -> int:
    db, crm_name, label = services.db, provider.name, crm_label(provider.name)
    opp = store.opportunity(db, write.team_id, write.opportunity_id)
    crm_id = store.crm_id_of(db, write.team_id, crm_name, write.opportunity_id)
    if opp is None or opp.status == store.REMOVED:
        outbox.mark_sent(db, [write], now)  # nothing left to write
        return 0
    deal = deal_write(write, opp, back, owners)
    key = deal.key
    if write.is_create:
        if crm_id is None and not holds_key(provider):
            outbox.note_sending(db, write, recorded(deal))
        if crm_id is None and write.attempts > 1:
            found = provider.find_by_key(key, deal)
            if found is not None:
                crm_id = found.id
                store.link(db, write.team_id, crm_name, opp.id, found.id, found.modified_at, now)
        if crm_id is None:
            made = provider.create_deal(deal)
            store.link(db, write.team_id, crm_name, opp.id, made.id, made.modified_at, now)
        outbox.mark_sent(db, [write], now)
        return 1
    if crm_id is None:
        if write.opportunity_id in creates_waiting or outbox.create_outstanding(
            db, write.team_id, crm_name, write.opportunity_id
        ):
            outbox.release(db, write, now, f"waiting for the deal to be created in {label}")
        else:
            outbox.mark_failed_attempt(db, write, f"the deal was never created in {label}", now)
        return 0
    done = provider.update_deal(crm_id, deal)
    store.note_pushed(db, write.team_id, crm_name, crm_id, done.modified_at)
    outbox.mark_sent(db, [write], now)
    return 1


def holds_key(provider: CrmProvider) -> bool:
    """Whether the CRM keeps our deal key on the deals we create (HubSpot does; a Salesforce org where our
    external-id field could not be made does not)."""
    return getattr(provider, "holds_key", True)


def _as_sent(values: str) -> DealWrite:
    sent = json.loads(values)
    close = date.fromisoformat(sent["close"]) if sent["close"] else None
    queued = datetime.fromisoformat(sent["queued"]) if sent["queued"] else None
    return DealWrite(sent["name"], sent["stage"], sent["owner"], sent["amount"], close, sent["key"], queued)


def recover_lost_creates(services: Services, provider: CrmProvider, team_id: str, now: datetime) -> int:
    """Before the pull (which would import it as a stranger's deal), find each create whose answer was lost
    by the values it recorded before it went out, and link it: one query per such create (rare)."""
    found = 0
    for opportunity_id, (_, values) in outbox.sent_creates(services.db, team_id, provider.name).items():
        if store.crm_id_of(services.db, team_id, provider.name, opportunity_id) is not None:
            continue
        sent = _as_sent(values)
        made = provider.find_by_key(sent.key or "", sent)
        if made is not None:
            store.link(services.db, team_id, provider.name, opportunity_id, made.id, made.modified_at, now)
            outbox.close_create(services.db, team_id, provider.name, opportunity_id, now)
            found += 1
    return found


def run_sync(
    services: Services,
    now: datetime,
    *,
    full: bool = False,
    provider: CrmProvider | None = None,
    log_errors: bool = True,
) -> SyncReport:
    """One sync: pull from the CRM, then send Slack's pending changes. A bad token or an unreachable CRM
    ends the run with one line in the log (and in the sync state the admin sees), never a trace per record."""
    report = SyncReport()
    provider = provider or make_provider(services)
    team_id, crm_name = services.client.auth_test()["team_id"], provider.name
    run = store.start_run(services.db, team_id, crm_name, now, RUN_LEASE)
    if run is None:
        report.skipped = True
        return report
    try:
        if run.keyed_at is None:
            provider.ensure_key_property()
            store.note_keyed(services.db, team_id, crm_name, now)
        if not holds_key(provider):
            recover_lost_creates(services, provider, team_id, now)
        pull(services, provider, team_id, now, report, full)
        sent = send_due(services, provider, team_id, now, report)
        report.notes.append(f"{sent} written to {crm_label(crm_name)}")
    except CrmError as error:
        report.error, report.bad_token = str(error), isinstance(error, BadToken)
        if log_errors:  # the command line prints it instead: one line either way
            log.error("CRM sync stopped: %s", error)
    except Exception:
        report.error = "an unexpected error (see the log)"
        raise
    finally:  # the workspace is free for the next sync, however this one ended
        report.requests = getattr(provider, "requests", 0)
        store.record_run(services.db, team_id, crm_name, now, requests=report.requests, error=report.error, run=run)
    return report
