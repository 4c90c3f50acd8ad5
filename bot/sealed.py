"""Secrets at rest: ENCRYPTION_KEY (one or more Fernet keys, comma-separated) encrypts everything secret the
bot keeps in its database: each workspace's Slack tokens (bot/installations.py), calendar addresses, and any
later secret (a CRM token per workspace, say) sealed with the same box, so an operator has one key to keep
and rotate. The first key seals; every key opens (cryptography's MultiFernet), so `python -m bot keys
rotate` can re-seal under a new key while values sealed under the old one still read.

A sealed value carries PREFIX, so plain and sealed are told apart and nothing is ever sealed twice. A new
column that holds a secret is listed in storage/secrets.py, so sealing at start-up and rotating cover it.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"
NOT_A_KEY = "must be one or more Fernet keys, comma-separated: make one with `python -m bot keys new`"


class SecretUnreadable(Exception):
    """A sealed value that no key can open (the key changed, or the value was tampered with)."""


def parse_keys(value: str | None) -> tuple[str, ...]:
    """The keys in ENCRYPTION_KEY, in order (the first seals); blanks between commas are ignored."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def check_key(value: str) -> None:
    """Raise ValueError (a settings problem) unless every key in `value` is a usable Fernet key."""
    keys = parse_keys(value)
    if not keys:
        raise ValueError(NOT_A_KEY)
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(NOT_A_KEY) from None


def new_key() -> str:
    """A fresh key (`python -m bot keys new`, the sandbox's for one run)."""
    return Fernet.generate_key().decode()


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)  # type: ignore[union-attr]


class SecretBox:
    """Seals with the first key of ENCRYPTION_KEY and opens with any of them."""

    def __init__(self, keys: str) -> None:
        fernets = [Fernet(key.encode()) for key in parse_keys(keys)]
        if not fernets:
            raise ValueError(NOT_A_KEY)
        self._first = fernets[0]
        self._all = MultiFernet(fernets)

    def seal(self, secret: str) -> str:
        """`secret` sealed; a value that is sealed already is returned as it is (never sealed twice)."""
        if is_sealed(secret):
            return secret
        return PREFIX + self._first.encrypt(secret.encode()).decode()

    def open(self, sealed: str, what: str = "secret") -> str:
        """The secret in `sealed`; a plain value (stored before a key was set) is returned as it is."""
        if not is_sealed(sealed):
            return sealed
        try:
            return self._all.decrypt(sealed.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(f"the stored {what} can no longer be read; please connect it again") from None

    def readable(self, sealed: str) -> bool:
        try:
            self.open(sealed)
        except SecretUnreadable:
            return False
        return True

    def is_current(self, sealed: str) -> bool:
        """Sealed under the first key already (a rotation has nothing to do for it)."""
        if not is_sealed(sealed):
            return False
        try:
            self._first.decrypt(sealed.removeprefix(PREFIX).encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, value: str) -> str:
        """`value` sealed under the first key: a plain one sealed, a sealed one re-encrypted. Raises
        SecretUnreadable when no key opens it (it is then left as it is)."""
        if not is_sealed(value):
            return self.seal(value)
        try:
            return PREFIX + self._all.rotate(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SecretUnreadable("no key in ENCRYPTION_KEY opens this value") from None


def box_for(settings) -> SecretBox | None:
    """The box, or None when ENCRYPTION_KEY is not set (features that keep secrets then say so)."""
    return SecretBox(settings.encryption_key) if settings.encryption_key else None
