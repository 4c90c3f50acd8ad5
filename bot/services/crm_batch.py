"""Slack's due writes sent to the CRM in batches, for a provider that takes them (Salesforce's sObject
Collections: 200 records a request), instead of a request per deal.

`prepared` looks at the claimed writes before the sender's loop (bot/services/crm_push.send_due) goes
through them, sends every plain create and update in batches, and hands back the provider wrapped so the
loop's create_deal and update_deal take each deal's answer from the batch: the loop's bookkeeping (links,
marks, retries, a create's key, a lost answer found again) stays in one place. A write the loop will
handle otherwise (a retried create, which first looks for its deal; an update waiting for its create) is
left to it, as is a failed batch: each of its writes fails or retries as a single write would.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.integrations import BadToken, CrmError, CrmProvider, DealWrite, WriteResult
from bot.services import Services
from storage import crm as store
from storage import crm_outbox as outbox

Answer = WriteResult | CrmError


class Prepared:
    """The provider, with answers already in hand for the deals of this run's batches."""

    def __init__(self, provider: CrmProvider, creates: dict[str, Answer], updates: dict[str, Answer]) -> None:
        self._provider, self._creates, self._updates = provider, creates, updates

    def __getattr__(self, name: str):
        return getattr(self._provider, name)

    def create_deal(self, write: DealWrite) -> WriteResult:
        return _given(self._creates.pop(write.key or "", None)) or self._provider.create_deal(write)

    def update_deal(self, deal_id: str, write: DealWrite) -> WriteResult:
        return _given(self._updates.pop(deal_id, None)) or self._provider.update_deal(deal_id, write)


def _given(answer: Answer | None) -> WriteResult | None:
    if isinstance(answer, CrmError):
        raise answer
    return answer


def prepared(
    services: Services, provider: CrmProvider, writes: list[outbox.Write],
    deal_for: Callable[[outbox.Write, object], DealWrite], keyed: bool,
) -> CrmProvider:  # fmt: skip
    """Send the plain creates and updates among `writes` in batches; the provider that answers from them.
    `deal_for(write, opportunity)` is what the loop would send; `keyed`: whether the CRM holds our key
    (if not, each create's values are recorded before the batch goes, as the loop records them)."""
    write_batch = getattr(provider, "write_batch", None)
    if write_batch is None:
        return provider
    db, seen = services.db, set()
    creates: list[DealWrite] = []
    updates: list[tuple[str, DealWrite]] = []
    for write in writes:
        if write.opportunity_id in seen:
            continue
        seen.add(write.opportunity_id)
        opp = store.opportunity(db, write.team_id, write.opportunity_id)
        if opp is None or opp.status == store.REMOVED:
            continue
        crm_id = store.crm_id_of(db, write.team_id, provider.name, write.opportunity_id)
        deal = deal_for(write, opp)
        if write.is_create and crm_id is None and write.attempts <= 1:
            if not keyed:
                outbox.note_sending(db, write, recorded(deal))
            creates.append(deal)
        elif not write.is_create and crm_id is not None:
            updates.append((crm_id, deal))
    if len(creates) + len(updates) < 2:
        return provider  # one deal: the loop sends it as it is
    try:
        made, done = write_batch(creates, updates)
    except BadToken:
        raise  # the sender releases every write and stops the run
    except CrmError as error:  # the whole batch failed: every deal in it fails as a single write would
        made, done = [error] * len(creates), [error] * len(updates)
    by_key = {deal.key or "": answer for deal, answer in zip(creates, made, strict=True)}
    by_id = {crm_id: answer for (crm_id, _), answer in zip(updates, done, strict=True)}
    return Prepared(provider, by_key, by_id)


def recorded(deal: DealWrite) -> str:
    """A create's values as recorded before it is sent (crm_push reads them back to find a lost answer)."""
    return json.dumps({"name": deal.name, "stage": deal.stage_id, "owner": deal.owner_id, "amount": deal.amount,
                       "close": deal.close_date and deal.close_date.isoformat(), "key": deal.key,
                       "queued": deal.queued_at and deal.queued_at.isoformat()})  # fmt: skip
