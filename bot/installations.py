"""Installing by link (OAuth, many workspaces): Bolt's OAuthSettings with slack_sdk's SQLAlchemy
installation and state stores in our own database, and each workspace's bot token for the jobs, refreshed
before it expires when token rotation is on.

Requests are authorised by Bolt (which also refreshes an expiring token); jobs and scheduled messages ask
`Installations.client_for(team_id)`, which reads the same store and refreshes the same way.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import threading
import time

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.sealed import SecretBox, box_for
from bot.settings import Settings
from bot.slack_client import make_client
from storage import installations as store
from storage.db import Database

log = logging.getLogger("pipeline_coach.installations")
STATE_SECONDS = 600
CLIENT_CACHE_SECONDS = 60.0  # a token refreshed by another process (or by Bolt) is picked up this soon
ROTATED_ELSEWHERE_WAIT_SECONDS = 0.5  # a refresh that lost to another process's finds its token so soon


class NotInstalled(Exception):
    """No bot token is stored for this workspace (never installed, uninstalled, or erased)."""


class SignedStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store, with each state signed by SLACK_STATE_SECRET: a forged or foreign state
    is refused before the database is asked."""

    def __init__(self, secret: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._secret = (secret or "").encode()

    def issue(self, *args, **kwargs) -> str:
        state = super().issue(*args, **kwargs)
        return f"{state}.{self._sign(state)}" if self._secret else state

    def consume(self, state: str) -> bool:
        if self._secret:
            state, _, signature = (state or "").rpartition(".")
            if not state or not hmac.compare_digest(signature, self._sign(state)):
                log.warning("an install came back with a state we did not sign; refused")
                return False
        return super().consume(state)

    def _sign(self, state: str) -> str:
        return hmac.new(self._secret, state.encode(), hashlib.sha256).hexdigest()[:32]


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with every token encrypted on its way in and decrypted on its way out (ENCRYPTION_KEY,
    bot/sealed.py), telling the app when a workspace finished installing."""

    on_saved = staticmethod(lambda team_id: None)

    def __init__(self, box: SecretBox | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._box = box

    def save(self, installation) -> None:
        super().save(self._sealed(installation, store.INSTALLATION_SECRETS))  # which saves its bot through save_bot
        if installation.team_id:
            self.on_saved(installation.team_id)

    def save_bot(self, bot) -> None:
        super().save_bot(self._sealed(bot, store.BOT_SECRETS))

    def build_installation_entity(self, row):  # type: ignore[override]  # slack_sdk calls it on the instance
        return self._opened(super().build_installation_entity(row), store.INSTALLATION_SECRETS)

    def build_bot_entity(self, row):  # type: ignore[override]
        return self._opened(super().build_bot_entity(row), store.BOT_SECRETS)

    def _sealed(self, entity, fields: tuple[str, ...]):
        """A copy of `entity` with its secrets sealed (the caller's object keeps its plain tokens)."""
        if self._box is None:
            return entity
        sealed = copy.copy(entity)
        for field in fields:
            if getattr(sealed, field, None):
                setattr(sealed, field, self._box.seal(getattr(sealed, field)))
        return sealed

    def _opened(self, entity, fields: tuple[str, ...]):
        for field in fields:
            if self._box is not None and getattr(entity, field, None):
                setattr(entity, field, self._box.open(getattr(entity, field), what="token"))
        return entity


class Installations:
    """Every installed workspace's bot token, from slack_sdk's installation store in our database."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.store = InstallationStore(box_for(settings), client_id=settings.slack_client_id or "", engine=db.engine)
        self.rotator = TokenRotator(
            client_id=settings.slack_client_id or "",
            client_secret=settings.slack_client_secret or "",
            client=make_client(settings, token=None),
        )
        self._clients: dict[str, tuple[float, int | None, WebClient]] = {}
        self._lock = threading.Lock()

    @property
    def on_installed(self):
        return self.store.on_saved

    @on_installed.setter
    def on_installed(self, callback) -> None:
        self.store.on_saved = callback

    def oauth_settings(self) -> OAuthSettings:
        """Bolt's install flow and request authorisation, on our stores; token refreshes go through our
        client (SLACK_API_URL, retries), as every other Web API call does."""
        settings = self.settings
        oauth = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(settings.slack_scopes),
            redirect_uri=settings.slack_redirect_uri,
            installation_store=self.store,
            installation_store_bot_only=True,
            token_rotation_expiration_minutes=settings.token_rotation_minutes,
            state_store=SignedStateStore(
                settings.slack_state_secret, expiration_seconds=STATE_SECONDS, engine=self.db.engine
            ),
            logger=logging.getLogger("pipeline_coach.oauth"),
        )
        oauth.authorize.token_rotator = self.rotator
        return oauth

    def client_for(self, team_id: str) -> WebClient:
        """A client with the workspace's bot token, refreshed first if it expires within the rotation window."""
        with self._lock:
            found = self._clients.get(team_id)
        if found is not None and time.monotonic() - found[0] < CLIENT_CACHE_SECONDS and not self._expiring(found[1]):
            return found[2]
        with self._lock:  # one refresh at a time per process
            installed, enterprise_id = store.enterprise_of(self.db, self.store.client_id, team_id)
            bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id) if installed else None
            if bot is None or not bot.bot_token:
                self._clients.pop(team_id, None)
                raise NotInstalled(team_id)
            if self._expiring(bot.bot_token_expires_at):
                bot = self._refresh(bot)
            client = make_client(self.settings, token=bot.bot_token)
            self._clients[team_id] = (time.monotonic(), bot.bot_token_expires_at, client)
            return client

    def forget(self, team_id: str) -> None:
        """The workspace uninstalled or was erased: remove its tokens."""
        with self._lock:
            self._clients.pop(team_id, None)
        store.delete_team(self.db, team_id)

    def _expiring(self, expires_at: int | None) -> bool:
        return expires_at is not None and expires_at <= time.time() + self.settings.token_rotation_minutes * 60

    def _rotated_elsewhere(self, bot, wait: float = ROTATED_ELSEWHERE_WAIT_SECONDS):
        """The token another process stored in place of `bot`'s, waiting a moment for it to be saved."""
        deadline = time.monotonic() + wait
        while True:
            stored = self.store.find_bot(enterprise_id=bot.enterprise_id, team_id=bot.team_id)
            if stored is not None and stored.bot_token and stored.bot_token != bot.bot_token:
                return stored
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)

    def _refresh(self, bot):
        try:
            rotated = self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.settings.token_rotation_minutes
            )
        except SlackClientError as error:
            rotated = self._rotated_elsewhere(bot)
            if rotated is not None:  # another instance refreshed it a moment before us: Slack took theirs
                return rotated
            log.warning("could not refresh the bot token of workspace %s: %s", bot.team_id, error)
            return bot  # the old token may still have minutes left
        if rotated is None:
            return bot
        self.store.save_bot(rotated)
        log.info("refreshed the bot token of workspace %s before it expired", bot.team_id)
        return rotated
