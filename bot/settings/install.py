"""Installing by link into many workspaces (OAuth). See docs/admins/install.md."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from bot import setting_values as read
from bot.settings.base import Section

DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "channels:join",
    "files:write",
)


class InstallByLink(Section):
    """The Slack app's credentials and scopes for installs by link, and when rotating tokens are refreshed."""

    slack_client_id: str | None = None
    """With SLACK_CLIENT_SECRET: install by link into many workspaces (HTTP mode only); Basic Information → App
    Credentials.
    """
    slack_client_secret: str | None = None
    """With SLACK_CLIENT_ID: install by link into many workspaces (HTTP mode only)."""
    slack_scopes: Annotated[tuple[str, ...], NoDecode] = DEFAULT_SCOPES
    """Bot scopes requested at install, comma-separated."""
    slack_state_secret: str | None = None
    """Signs the OAuth state (recommended)."""
    slack_redirect_uri: str | None = None
    """The redirect URL to send, when the app has several registered."""
    token_rotation_minutes: int = Field(default=120, ge=5, le=24 * 60)
    """With token rotation on, a token expiring within this many minutes is refreshed first."""

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> tuple[str, ...]:
        return read.scopes(value)

    @property
    def oauth(self) -> bool:
        """Many workspaces, each installing by link, each with its own token (else one SLACK_BOT_TOKEN)."""
        return bool(self.slack_client_id and self.slack_client_secret)
