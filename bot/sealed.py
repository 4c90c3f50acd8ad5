"""Secrets at rest: the one SECRETS_KEY (a Fernet key) that encrypts anything secret the bot keeps in its
database. Calendar addresses are the first; any later secret (a CRM token per workspace, say) seals with
the same box, so an operator has one key to keep and rotate."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

NOT_A_KEY = "must be a Fernet key (32 url-safe base64 bytes): see .env.example for how to make one"


class SecretUnreadable(Exception):
    """A sealed value that this key cannot open (the key changed, or the value was tampered with)."""


def check_key(key: str) -> None:
    """Raise ValueError (a settings problem) unless `key` is a usable Fernet key."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        raise ValueError(NOT_A_KEY) from None


def new_key() -> str:
    """A fresh key (the sandbox's, for one run)."""
    return Fernet.generate_key().decode()


class SecretBox:
    """Seals and opens secrets with SECRETS_KEY."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable("the stored address can no longer be read; please connect it again") from None


def box_for(settings) -> SecretBox | None:
    """The box, or None when SECRETS_KEY is not set (features that keep secrets then say so)."""
    return SecretBox(settings.secrets_key) if settings.secrets_key else None
