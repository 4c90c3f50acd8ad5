"""HubSpot's answers read into plain records: paging, times (milliseconds or ISO), numbers and deals."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.integrations.base import CrmDeal

KEY_PROPERTY = "pipeline_coach_key"  # our deal's key (bot/integrations/hubspot.py says why)


def next_after(page) -> str | None:
    paging = getattr(page, "paging", None)
    return paging.next.after if paging is not None and paging.next is not None else None


def ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day(value: str | None) -> date | None:
    moment = when(value)
    return moment.date() if moment else None


def deal_of(item) -> CrmDeal:
    props = item.properties or {}
    merged = tuple(part for part in (props.get("hs_merged_object_ids") or "").split(";") if part.strip())
    return CrmDeal(
        id=str(item.id),
        name=props.get("dealname"),
        amount=props.get("amount"),
        stage_id=props.get("dealstage"),
        pipeline_id=props.get("pipeline"),
        owner_id=props.get("hubspot_owner_id") or None,
        close_date=day(props.get("closedate")),
        created_at=when(props.get("createdate")) or item.created_at,
        modified_at=when(props.get("hs_lastmodifieddate")) or item.updated_at,
        merged_ids=merged,
        key=props.get(KEY_PROPERTY) or None,
    )
