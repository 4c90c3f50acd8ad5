"""The Salesforce provider of this install, built from the settings (a single-workspace install).

SALESFORCE_INSTANCE_URL with SALESFORCE_ACCESS_TOKEN is a session as a connected app's OAuth gives it
(it cannot be refreshed here: when it expires, the sync says so in one line); SALESFORCE_USERNAME,
SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN log an integration user in on SALESFORCE_DOMAIN (login
or test) and again whenever the session expires. A workspace connected by OAuth builds the same provider
from its own instance URL, access token and a refresh (bot/integrations/salesforce_client.token_refresh).
"""

from __future__ import annotations

import time

from bot.integrations.salesforce import SalesforceProvider
from bot.integrations.salesforce_client import Refresh, Session, password_login
from bot.services import Services
from bot.services.salesforce_pace import SalesforcePace


def salesforce_provider(services: Services, session: Session | None = None, refresh: Refresh | None = None,
                        **options) -> SalesforceProvider:  # fmt: skip
    """The provider on `session` (default: the settings'), paced by the org's share of its allowance.
    `options`: SalesforceProvider's (sleep, clock, bulk_wait...) and SalesforcePace's `clock` as `pace_clock`."""
    settings = services.settings
    org = session.instance_url if session is not None else ""
    if session is None and settings.salesforce_username:  # logged in on the first call, inside the sync run
        refresh = password_login(settings.salesforce_username, settings.salesforce_password or "",
                                 settings.salesforce_security_token or "", settings.salesforce_domain)  # fmt: skip
        org = f"{settings.salesforce_domain}:{settings.salesforce_username}"
    elif session is None:
        session = Session(settings.salesforce_instance_url or "", settings.salesforce_access_token or "")
        org = session.instance_url
    pace = SalesforcePace(
        services.db, org, settings.salesforce_api_share,
        clock=options.pop("pace_clock", time.time), sleep=options.get("sleep", time.sleep),
    )  # fmt: skip
    return SalesforceProvider(session, refresh=refresh, record_type=settings.salesforce_record_type, pace=pace,
                              **options)  # fmt: skip
