"""Every option the bot reads, in one pydantic-settings object read once at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import setting_values as read

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
DEFAULT_OPEN_STAGES = ("Prospecting", "Discovery", "Proposal", "Negotiation")
CLOSED_STAGES = ("Won", "Lost")


class Settings(BaseSettings):
    """Read from the environment and from a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None
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
    # Selling time and the health report (issue 3): see the README's "Settings" table.
    quota_period: Literal["month", "quarter"] = "quarter"
    quarter_start_month: int = Field(default=1, ge=1, le=12)
    coverage_target: float = Field(default=3.0, gt=0, le=20)
    stalled_days: int = Field(default=14, ge=1, le=365)
    health_window_days: int = Field(default=14, ge=1, le=90)
    # The coach (issue 4): see the README's "The coach" section.
    scheduler_enabled: bool = True
    nudge_check_minutes: int = Field(default=15, ge=1, le=24 * 60)
    nudge_window_days: int = Field(default=14, ge=1, le=90)
    nudge_min_hours: float = Field(default=6, ge=0, le=1000)
    nudge_top_share: float = Field(default=0.60, gt=0, le=1)
    nudge_no_new_days: int = Field(default=10, ge=1, le=365)
    nudge_min_prospecting_share: float = Field(default=0.20, ge=0, le=1)
    nudge_cooldown_days: int = Field(default=7, ge=0, le=365)
    work_hours: str = "09:00-17:00"
    work_days: str = "mon-fri"
    reflection_slot: str = "fri 15:00"

    @field_validator("work_hours", "work_days", "reflection_slot", "digest_slot", "manager_slot")
    @classmethod
    def _coach_times_read(cls, value: str, info) -> str:
        return read.coach_time(info.field_name, value)

    # The team's rhythm (issue 5): the weekly digest and who counts as a manager.
    digest_slot: str = "mon 09:00"
    manager_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    manager_group: str | None = None

    # Staying up (issue 9): bounded database waits, the listener threads and shutdown. See the README's
    # "Running it for a team" section.
    db_connect_timeout: int = Field(default=2, ge=2, le=60)
    db_statement_timeout: float = Field(default=2.0, gt=0, le=600)
    db_pool_timeout: float = Field(default=0.5, gt=0, le=60)
    worker_threads: int = Field(default=16, ge=2, le=64)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=3600)

    @property
    def db_connections(self) -> int:
        """One kept-open connection per thread that may hold one (listeners before and after their answer,
        fan-out, jobs, Home, /healthz)."""
        from bot.workers import after_answer_threads

        return self.worker_threads + after_answer_threads(self.worker_threads) + self.fanout_workers + 6

    @property
    def db_timeouts(self):
        from storage.timeouts import Timeouts

        return Timeouts(connect=self.db_connect_timeout, statement=self.db_statement_timeout, pool=self.db_pool_timeout)

    # Obstacles, the number and creation (issue 10): see the README's "Detaching, not quitting".
    number_rides_share: float = Field(default=0.5, gt=0, le=10)
    opening_pace_weeks: int = Field(default=8, ge=1, le=52)
    own_history_min_closed: int = Field(default=5, ge=1, le=1000)
    checkpoint_ask_days: int = Field(default=7, ge=1, le=60)
    quiet_prospecting_days: int = Field(default=14, ge=1, le=365)
    early_stage_count: int = Field(default=2, ge=1, le=10)
    manager_slot: str = "mon 08:30"

    # Fan-out at scale (issue 14): see the README's "Many reps, several instances" section.
    fanout_workers: int = Field(default=8, ge=1, le=64)
    slack_rate_limits: str = ""
    # 50,000 reps (issue 24): conversations.history as Slack allows this app (bot/slack_pace.py). "strict":
    # 1 call a minute, 15 messages a call (commercially distributed apps not in the Marketplace, since
    # 29 May 2025); "tier3": 50 a minute (internal and Marketplace apps).
    slack_history_limit: Literal["strict", "tier3"] = "strict"

    @field_validator("slack_rate_limits")
    @classmethod
    def _rate_limits_read(cls, value: str) -> str:
        from bot.ratelimit import parse_limits

        parse_limits(value)
        return value

    @field_validator("manager_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> frozenset[str]:
        return read.user_ids(value)

    @field_validator("manager_group", "admin_group")
    @classmethod
    def _group_shape(cls, value: str | None) -> str | None:
        return read.group_id(value)

    # The CRM (issue 12): see the README's "CRM: HubSpot" section. Without a token nothing changes.
    hubspot_access_token: str | None = None
    hubspot_pipeline: str = "default"
    hubspot_stage_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    hubspot_api_url: str | None = None
    crm_sync_minutes: int = Field(default=5, ge=1, le=24 * 60)

    @field_validator("hubspot_access_token", "hubspot_api_url", "celebration_channel")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return read.blank_is_none(value)

    @field_validator("hubspot_api_url")
    @classmethod
    def _hubspot_url_shape(cls, value: str | None) -> str | None:
        return value and read.http_url(value, "https://api.hubapi.com")

    @field_validator("hubspot_stage_map", mode="before")
    @classmethod
    def _read_stage_map(cls, value: object) -> dict[str, str]:
        from bot.rules.crm_stages import parse_stage_map

        return parse_stage_map(value)

    @model_validator(mode="after")
    def _stage_map_names_our_stages(self) -> Settings:
        ours = {stage.casefold(): stage for stage in self.all_stages}
        unknown = [target for target in self.hubspot_stage_map.values() if target.casefold() not in ours]
        if unknown:
            raise ValueError(
                f"HUBSPOT_STAGE_MAP maps onto {unknown[0]!r}, which is not one of OPEN_STAGES, Won or Lost"
            )
        self.hubspot_stage_map = {k: ours[v.casefold()] for k, v in self.hubspot_stage_map.items()}
        return self

    @property
    def crm_enabled(self) -> bool:
        return bool(self.hubspot_access_token)

    # Many workspaces (issue 13): see the README's "Many workspaces" section.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: Annotated[tuple[str, ...], NoDecode] = DEFAULT_SCOPES
    slack_state_secret: str | None = None
    slack_redirect_uri: str | None = None
    token_rotation_minutes: int = Field(default=120, ge=5, le=24 * 60)
    week_start_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    admin_group: str | None = None
    workspace_retention_days: int = Field(default=30, ge=0, le=3650)

    # Secrets at rest and time that logs itself (issue 22): see the README's "Time that logs itself".
    secrets_key: str | None = None
    calendar_poll_minutes: int = Field(default=30, ge=5, le=24 * 60)
    calendar_window_days: int = Field(default=14, ge=1, le=90)
    calendar_max_feed_mb: float = Field(default=20, gt=0, le=200)
    calendar_timeout_seconds: float = Field(default=10, gt=0, le=120)
    calendar_readers: int = Field(default=4, ge=1, le=32)
    calendar_private_addresses: bool = False
    calendar_keep_titles: bool = False

    @field_validator("secrets_key")
    @classmethod
    def _fernet_key_shape(cls, value: str | None) -> str | None:
        from bot.sealed import check_key

        value = read.blank_is_none(value)
        if value:
            check_key(value)
        return value

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> tuple[str, ...]:
        return read.scopes(value)

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_shape(cls, value: str | None, info) -> str | None:
        return read.token(info.field_name, value)

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        value = read.http_url(value, "https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("open_stages", mode="before")
    @classmethod
    def _split_stages(cls, value: object) -> tuple[str, ...]:
        return read.open_stages(value)

    @field_validator("team_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return read.time_zone(value)

    @model_validator(mode="after")
    def _one_way_to_reach_slack(self) -> Settings:
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (Basic Information page)")
        if self.oauth and self.socket_mode:
            raise ValueError("installing by link (SLACK_CLIENT_ID) needs HTTP mode: unset SLACK_APP_TOKEN")
        if not self.slack_bot_token and not self.oauth:
            raise read.Missing("SLACK_BOT_TOKEN")
        if not self.slack_app_token and not self.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is needed to serve HTTP (or set SLACK_APP_TOKEN for Socket Mode)")
        return self

    @property
    def all_stages(self) -> tuple[str, ...]:
        return self.open_stages + CLOSED_STAGES

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """Many workspaces, each installing by link, each with its own token (else one SLACK_BOT_TOKEN)."""
        return bool(self.slack_client_id and self.slack_client_secret)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one plain line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError("\n".join(read.describe(error) for error in exc.errors())) from None
