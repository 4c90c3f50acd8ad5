"""The CRM's settings: HubSpot or Salesforce from the environment (one workspace), and the OAuth apps through
which each workspace's admin connects its own from Slack. See docs/admins/crm.md and docs/admins/crm-connect.md.

Its checks that name our stages read `all_stages` from the joined Settings (bot/settings/__init__.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from bot import setting_values as read
from bot.settings.base import Section

URL_EXAMPLES = {  # each URL setting, and the example its mistake is answered with
    "hubspot_api_url": "https://api.hubapi.com",
    "salesforce_instance_url": "https://yourcompany.my.salesforce.com",
    "public_url": "https://coach.example.com",
    "salesforce_login_url": "https://login.salesforce.com",
    "salesforce_sandbox_login_url": "https://test.salesforce.com",
}


class CrmSettings(Section):
    """HubSpot, Salesforce and the CRM apps admins connect through."""

    # The CRM (issue 12): see docs/admins/crm.md. Without a token nothing changes.
    hubspot_access_token: str | None = None
    """A private app's token with the scopes above. Empty: no CRM."""
    hubspot_pipeline: str = "default"
    """The deals pipeline to follow, by id or label."""
    hubspot_stage_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Overrides of the stage mapping: `HUBSPOT_STAGE=OUR_STAGE` pairs, comma-separated (the HubSpot stage by id or
    label).
    """
    hubspot_api_url: str | None = None
    """HubSpot's API base URL; empty means HubSpot's own. Tests point it at a local stand-in."""
    crm_sync_minutes: int = Field(default=5, ge=1, le=24 * 60)
    """How often deals are pulled from HubSpot and Slack's changes written to it."""

    @field_validator(
        "hubspot_access_token", "hubspot_api_url", "salesforce_instance_url", "salesforce_access_token",
        "salesforce_username", "salesforce_password", "salesforce_security_token", "salesforce_record_type",
        "hubspot_client_id", "hubspot_client_secret", "salesforce_client_id", "salesforce_client_secret", "public_url",
        "salesforce_login_url", "salesforce_sandbox_login_url",
    )  # fmt: skip
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return read.blank_is_none(value)

    @field_validator(*URL_EXAMPLES)
    @classmethod
    def _url_shape(cls, value: str | None, info) -> str | None:
        return value and read.http_url(value, URL_EXAMPLES[info.field_name])

    @field_validator("hubspot_stage_map", "salesforce_stage_map", mode="before")
    @classmethod
    def _read_stage_map(cls, value: object) -> dict[str, str]:
        from bot.rules.crm_stages import parse_stage_map

        return parse_stage_map(value)

    @model_validator(mode="after")
    def _stage_map_names_our_stages(self) -> CrmSettings:
        self._spell_as_our_stages("hubspot_stage_map")
        return self

    def _spell_as_our_stages(self, field: str) -> None:
        """A stage map may only map onto our stages, and keeps them spelled as we spell them."""
        ours = {stage.casefold(): stage for stage in self.all_stages}
        mapping: dict[str, str] = getattr(self, field)
        unknown = [target for target in mapping.values() if target.casefold() not in ours]
        if unknown:
            raise ValueError(f"{field.upper()} maps onto {unknown[0]!r}, which is not one of OPEN_STAGES, Won or Lost")
        setattr(self, field, {k: ours[v.casefold()] for k, v in mapping.items()})

    # Salesforce (issue 26): see docs/admins/crm.md, "Salesforce". Either an instance and an access token,
    # or a user's username, password and security token on the login or test host.
    salesforce_instance_url: str | None = None
    """The Salesforce org's instance URL (https://yourcompany.my.salesforce.com), with SALESFORCE_ACCESS_TOKEN."""
    salesforce_access_token: str | None = None
    """An OAuth access token (session id) for that instance; it cannot be refreshed from here."""
    salesforce_username: str | None = None
    """Instead of a token: the Salesforce integration user's username (with its password and security token)."""
    salesforce_password: str | None = None
    """That user's password (the bot logs in again whenever the session expires)."""
    salesforce_security_token: str | None = None
    """That user's security token, as Salesforce emails it."""
    salesforce_domain: str = Field(default="login", pattern=r"^[A-Za-z0-9.-]+$")
    """The login host for a username login: `login` (production), `test` (sandbox) or a My Domain prefix."""
    salesforce_record_type: str | None = None
    """Follow only the Opportunities of this record type (developer name or id); empty follows all."""
    salesforce_stage_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    """Overrides of the stage mapping: `SALESFORCE_STAGE=OUR_STAGE` pairs, comma-separated (the stage's API name
    or label).
    """
    salesforce_api_share: float = Field(default=0.25, gt=0, le=1)
    """The share of the Salesforce org's daily API allowance the bot may use; it slows down before it."""

    @model_validator(mode="after")
    def _one_crm(self) -> CrmSettings:
        self._together(("salesforce_instance_url", "salesforce_access_token"), ": set both or neither")
        self._together(("salesforce_username", "salesforce_password", "salesforce_security_token"), ": set all three")
        if self.hubspot_access_token and self.salesforce_enabled:
            raise ValueError("Set HubSpot's token or Salesforce's settings, not both: the bot follows one CRM")
        self._spell_as_our_stages("salesforce_stage_map")
        return self

    @property
    def salesforce_enabled(self) -> bool:
        return bool(self.salesforce_access_token or self.salesforce_username)

    @property
    def crm_provider(self) -> str:
        """The CRM this install follows: "salesforce" when it is configured, else "hubspot"."""
        return "salesforce" if self.salesforce_enabled else "hubspot"

    @property
    def crm_stage_map(self) -> dict[str, str]:
        """The followed CRM's stage overrides (HUBSPOT_STAGE_MAP or SALESFORCE_STAGE_MAP)."""
        return self.salesforce_stage_map if self.salesforce_enabled else self.hubspot_stage_map

    @property
    def crm_enabled(self) -> bool:
        """The environment's CRM, for a single-workspace install: HubSpot's token or Salesforce's settings."""
        return bool(self.hubspot_access_token) or self.salesforce_enabled

    # A CRM per workspace, connected from Slack by OAuth (issue 26): see docs/admins/crm.md.
    hubspot_client_id: str | None = None
    """With HUBSPOT_CLIENT_SECRET: your HubSpot public app's client id, so each workspace's admin connects its own
    HubSpot from Slack (`/opportunity admin crm`). Needs PUBLIC_URL and ENCRYPTION_KEY.
    """
    hubspot_client_secret: str | None = None
    """Your HubSpot public app's client secret (its Auth tab); never logged."""
    salesforce_client_id: str | None = None
    """With SALESFORCE_CLIENT_SECRET: your Salesforce connected app's consumer key, so each workspace's admin connects
    its own Salesforce org (production or sandbox) from Slack. Needs PUBLIC_URL and ENCRYPTION_KEY.
    """
    salesforce_client_secret: str | None = None
    """Your Salesforce connected app's consumer secret; never logged."""
    salesforce_login_url: str | None = None
    """Where an admin signs in to connect a production org (Connect Salesforce); empty means login.salesforce.com.
    A My Domain login URL (https://yourcompany.my.salesforce.com) for an org that allows no other.
    """
    salesforce_sandbox_login_url: str | None = None
    """Where an admin signs in to connect a sandbox org (Connect a Salesforce sandbox); empty means
    test.salesforce.com.
    """
    public_url: str | None = None
    """The address people reach the bot at (`https://coach.example.com`): a CRM sends an admin's browser back to
    PUBLIC_URL/crm/oauth/callback, registered as the app's redirect URL. In Socket Mode the bot listens on PORT for
    that page, /healthz and /metrics (never Slack's events).
    """

    @field_validator("public_url", "salesforce_login_url", "salesforce_sandbox_login_url")
    @classmethod
    def _url_without_slash(cls, value: str | None) -> str | None:
        return value and value.rstrip("/")

    @model_validator(mode="after")
    def _crm_apps_complete(self) -> CrmSettings:
        for crm in ("hubspot", "salesforce"):
            self._together((f"{crm}_client_id", f"{crm}_client_secret"))
            if getattr(self, f"{crm}_client_id") and not self.public_url:
                raise ValueError(
                    f"{crm.upper()}_CLIENT_ID needs PUBLIC_URL, the address the bot is reached at "
                    "(the CRM sends the admin back to PUBLIC_URL/crm/oauth/callback)"
                )
        return self

    @property
    def crm_connectable(self) -> tuple[str, ...]:
        """The CRMs a workspace's admin may connect from Slack (their OAuth app is configured)."""
        return tuple(crm for crm in ("hubspot", "salesforce") if getattr(self, f"{crm}_client_id"))

    @property
    def crm_sync_on(self) -> bool:
        """Whether the CRM sync job has anything to run: the environment's HubSpot, or a workspace's own."""
        return self.crm_enabled or bool(self.crm_connectable)
