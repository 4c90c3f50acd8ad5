"""Every option the bot reads, in one pydantic-settings object read once at start-up."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_OPEN_STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")
CLOSED_STAGES = ("Won", "Lost")


class Settings(BaseSettings):
    """Read from the environment and from a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str
    slack_signing_secret: str = ""
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///pipeline_coach.db"
    port: int = Field(default=3000, ge=1, le=65535)
    celebration_channel: str | None = None
    celebrate_amounts: bool = False
    open_stages: Annotated[tuple[str, ...], NoDecode] = DEFAULT_OPEN_STAGES
    team_timezone: str = "UTC"
    currency_symbol: str = Field(default="$", max_length=3)
    log_level: str = "INFO"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str) -> str:
        if not value.startswith("xoxb-"):
            raise ValueError("must be the bot token that starts with xoxb- (OAuth & Permissions page)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith("xapp-"):
            raise ValueError("must be an app-level token that starts with xapp- (Basic Information page)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("celebration_channel")
    @classmethod
    def _channel_shape(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    @field_validator("open_stages", mode="before")
    @classmethod
    def _split_stages(cls, value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        stages = tuple(str(part).strip() for part in value if str(part).strip())  # type: ignore[union-attr]
        if not 1 <= len(stages) <= 10:
            raise ValueError("needs between 1 and 10 comma-separated stage names, e.g. Discovery,Proposal")
        folded = [stage.casefold() for stage in stages]
        if len(set(folded)) != len(folded):
            raise ValueError("lists the same stage twice")
        if {"won", "lost"} & set(folded):
            raise ValueError("lists only open stages; Won and Lost are always there")
        if any(len(stage) > 30 for stage in stages):
            raise ValueError("has a stage name longer than 30 characters")
        return stages

    @field_validator("team_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London or America/New_York") from None
        return value

    @model_validator(mode="after")
    def _http_mode_needs_a_secret(self) -> Settings:
        if not self.slack_app_token and not self.slack_signing_secret:
            raise ValueError(
                "SLACK_SIGNING_SECRET is needed to serve HTTP (or set SLACK_APP_TOKEN for Socket Mode)"
            )
        return self

    @property
    def all_stages(self) -> tuple[str, ...]:
        return self.open_stages + CLOSED_STAGES

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one plain line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError("\n".join(_describe(error) for error in exc.errors())) from None


def _describe(error: dict) -> str:
    field = str(error["loc"][0]).upper() if error.get("loc") else ""
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        return f"Setting {field} is missing: set it in the environment or in .env (see .env.example)."
    if not field:
        return f"Settings problem: {message}."
    return f"Setting {field}: {message} (see .env.example)."
