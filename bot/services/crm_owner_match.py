"""Which Slack user each CRM deal owner is: matched by email (users.lookupByEmail), rechecked at most once
a day; no match is stored as none, never guessed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import Services
from storage import crm_owners

log = logging.getLogger("pipeline_coach.crm")

RECHECK_OWNERS = timedelta(days=1)


def match_owners(services: Services, team_id: str, provider: str, now: datetime) -> None:
    """Match CRM owners to Slack users by email (users.lookupByEmail); no match is stored, never guessed."""
    for owner in crm_owners.owners(services.db, team_id, provider):
        if owner.slack_user_id or not owner.email:
            continue
        if owner.checked_at is not None and now - owner.checked_at < RECHECK_OWNERS:
            continue
        try:
            user = services.client.users_lookupByEmail(email=owner.email)["user"]
            found = None if user.get("deleted") or user.get("is_bot") else user["id"]
        except SlackApiError as error:
            code = error.response.get("error", "") if error.response is not None else ""
            if code != "users_not_found":
                log.warning("could not look up %s's Slack account: %s", owner.name, code or "error")
                continue
            found = None
        except SlackClientError as error:
            log.warning("could not look up %s's Slack account: %s", owner.name, error)
            continue
        crm_owners.set_owner_match(services.db, team_id, provider, owner.owner_id, found, now)
