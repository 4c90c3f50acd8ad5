"""Secrets at rest and the calendars they protect. See docs/operators/keys.md and docs/reps/time.md."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from bot import setting_values as read
from bot.settings.base import Section


class KeysAndCalendars(Section):
    """The encryption key(s), and how connected calendars are read."""

    # Secrets at rest (issues 22 and 25): see docs/operators/keys.md. Time that logs itself: docs/reps/time.md.
    encryption_key: str | None = None
    """One or more Fernet keys, comma-separated (`python -m bot keys new` makes one). The first encrypts,
    every one decrypts: each workspace's Slack tokens and every calendar address are encrypted with it in the
    database. Required when installing by link; empty otherwise: calendars cannot be connected."""
    secrets_key: str | None = None
    """Deprecated: the old name of `ENCRYPTION_KEY`, still read when `ENCRYPTION_KEY` is empty."""
    calendar_poll_minutes: int = Field(default=30, ge=5, le=24 * 60)
    """How often connected calendars are read (see Time that logs itself)."""
    calendar_window_days: int = Field(default=14, ge=1, le=90)
    """Days back each read of a calendar covers (meetings that have started: time already spent); what vanished from
    them is removed.
    """
    calendar_max_feed_mb: float = Field(default=20, gt=0, le=200)
    """A calendar feed larger than this is refused."""
    calendar_timeout_seconds: float = Field(default=10, gt=0, le=120)
    """The longest one read of a feed may take."""
    calendar_readers: int = Field(default=4, ge=1, le=32)
    """How many feeds one bot process reads at once."""
    calendar_private_addresses: bool = False
    """Accept calendar addresses on localhost and private networks (tests and the sandbox only)."""
    calendar_keep_titles: bool = False
    """Keep meeting titles with captured time. `false`: a title is used to match a meeting when it is read, then
    dropped.
    """

    @field_validator("encryption_key", "secrets_key")
    @classmethod
    def _fernet_key_shape(cls, value: str | None) -> str | None:
        from bot.sealed import check_key

        value = read.blank_is_none(value)
        if value:
            check_key(value)
        return value

    @model_validator(mode="after")
    def _one_encryption_key(self) -> KeysAndCalendars:
        """SECRETS_KEY (the old name) keeps deployments working; code reads only `encryption_key`."""
        if not self.encryption_key and self.secrets_key:
            self.encryption_key = self.secrets_key
        if self.oauth and not self.encryption_key:
            raise ValueError(
                "installing by link (SLACK_CLIENT_ID) keeps each workspace's tokens in the database, encrypted: "
                "set ENCRYPTION_KEY to a key made by `python -m bot keys new`"
            )
        return self

    @property
    def deprecated_key_name(self) -> bool:
        """The key was given only under its old name, SECRETS_KEY."""
        return bool(self.secrets_key) and self.encryption_key == self.secrets_key
