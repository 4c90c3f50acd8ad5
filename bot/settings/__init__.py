"""Every option the bot reads, in one pydantic-settings object read once at start-up.

The fields live in sections (this module's CoreSettings, bot/settings/install.py, crm.py, keys.py) that
Settings joins; the docstring under each field is its documentation (docs/operators/settings.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import NoDecode

from bot import setting_values as read
from bot.settings.base import CLOSED_STAGES, DEFAULT_OPEN_STAGES, Section
from bot.settings.crm import CrmSettings
from bot.settings.install import InstallByLink
from bot.settings.keys import KeysAndCalendars


class CoreSettings(Section):
    """Slack, the database, the team's pipeline and the coach: what every install sets or tunes."""

    slack_bot_token: str | None = None
    """Required (one workspace). Bot token, `xoxb-…`. Not used when the app is installed by link (see "Many
    workspaces").
    """
    slack_signing_secret: str = ""
    """Required in HTTP mode; verifies every request."""
    slack_app_token: str | None = None
    """App-level token, `xapp-…`. Set: Socket Mode. Empty: HTTP mode."""
    slack_api_url: str = "https://slack.com/api/"
    """Web API base URL (tests point it at a local stand-in)."""
    database_url: str = "sqlite:///pipeline_coach.db"
    """SQLAlchemy URL. `postgresql://…` works as given (psycopg 3 is used)."""
    port: int = Field(default=3000, ge=1, le=65535)
    """HTTP port in HTTP mode."""
    celebration_channel: str | None = None
    """Channel id for celebrations. Empty: nothing public is posted."""
    celebrate_amounts: bool = False
    """Include deal amounts in celebrations."""
    open_stages: Annotated[tuple[str, ...], NoDecode] = DEFAULT_OPEN_STAGES
    """Open stages in order (1–10, comma-separated). `Won` and `Lost` are always there."""
    team_timezone: str = "UTC"
    """IANA zone in which the team's week starts (00:00 on `WEEK_START_DAY`, Monday by default) and dates are read."""
    currency_symbol: str = Field(default="$", max_length=3)
    """Shown before amounts."""
    log_level: str = "INFO"
    """Console log level."""
    log_format: Literal["plain", "json"] = "plain"
    """`plain`: one line a record, for a terminal. `json`: one JSON object a line (time, level, logger, message,
    workspace, request or job id, exception), for a log system (see Logs).
    """
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Socket Mode: serve Prometheus's `GET /metrics` on this port. Empty: not served. HTTP mode serves it on `PORT`
    (see Metrics).
    """
    # Selling time and the health report (issue 3): see docs/operators/settings.md.
    quota_period: Literal["month", "quarter"] = "quarter"
    """`month` or `quarter`: the period `/opportunity quota` sets and coverage is measured over."""
    quarter_start_month: int = Field(default=1, ge=1, le=12)
    """First month (1–12) of the fiscal year, so quarters can start in, say, April (`4`)."""
    coverage_target: float = Field(default=3.0, gt=0, le=20)
    """The coverage the health report aims for (open pipeline closing this period ÷ quota still to win)."""
    stalled_days: int = Field(default=14, ge=1, le=365)
    """An open deal with no logged work and no stage change for this many days is "stalled"."""
    health_window_days: int = Field(default=14, ge=1, le=90)
    """How many days back (today included) "where your time went" looks."""
    # The coach (issue 4): see docs/reps/coaching.md.
    scheduler_enabled: bool = True
    """Run the coach's jobs inside `python -m bot`. `false`: run them yourself with `python -m bot jobs run`."""
    nudge_check_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """How often every job runs (nudges, reflections, follow-ups)."""
    nudge_window_days: int = Field(default=14, ge=1, le=90)
    """The rolling window of logged selling time the nudge looks at (today included, in `TEAM_TIMEZONE`)."""
    nudge_min_hours: float = Field(default=6, ge=0, le=1000)
    """Below this much logged time in the window, nobody is judged."""
    nudge_top_share: float = Field(default=0.60, gt=0, le=1)
    """Nudge when the top deal holds at least this share of all logged time (prospecting included in the total)."""
    nudge_no_new_days: int = Field(default=10, ge=1, le=365)
    """Second rule: no opportunity opened for this many days…"""
    nudge_min_prospecting_share: float = Field(default=0.20, ge=0, le=1)
    """…while prospecting is below this share of logged time."""
    nudge_cooldown_days: int = Field(default=7, ge=0, le=365)
    """At most one nudge per rep in this many days."""
    work_hours: str = "09:00-17:00"
    """The team's default working hours, in each rep's own time zone (`8:30-16:30`, `9-17`)."""
    work_days: str = "mon-fri"
    """The team's default working days (`sun-thu`, `mon,tue,thu`)."""
    reflection_slot: str = "fri 15:00"
    """When the weekly reflection arrives, in each rep's own time zone (`thu 4pm`)."""
    holiday_calendar: str | None = None
    """Public holidays kept free of coaching: a country code (`GB`), with its region if it has days of its own
    (`GB-SCT`, `US-CA`, `DE-BY`). Empty: none. Admins change it in `/opportunity admin`; reps set their own."""

    @field_validator("holiday_calendar")
    @classmethod
    def _known_calendar(cls, value: str | None) -> str | None:
        return read.holiday_calendar(value)

    @field_validator("work_hours", "work_days", "reflection_slot", "digest_slot", "manager_slot")
    @classmethod
    def _coach_times_read(cls, value: str, info) -> str:
        return read.coach_time(info.field_name, value)

    # The team's rhythm (issue 5): the weekly digest and who counts as a manager.
    digest_slot: str = "mon 09:00"
    """When the weekly digest is posted, in `TEAM_TIMEZONE` (`fri 16:30`, `monday 9am`)."""
    manager_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    """Comma-separated user ids (`U0123ABCD,U0456EFGH`) who may use `/opportunity team` and export the team."""
    manager_group: str | None = None
    """A user group id (`S0123ABCD`); its members are managers too (read with `usergroups.users.list`, cached 10
    minutes).
    """

    # Staying up (issue 9): bounded database waits, the listener threads and shutdown: see docs/operators/running.md.
    db_connect_timeout: int = Field(default=2, ge=2, le=60)
    """Seconds to open a PostgreSQL connection (libpq's `connect_timeout`; 2 is its minimum)."""
    db_statement_timeout: float = Field(default=2.0, gt=0, le=600)
    """Seconds one transaction may wait on the database: PostgreSQL's `statement_timeout`, SQLite's busy timeout, and a
    watchdog that interrupts the connection if the database never answers at all (a dead host, dropped packets).
    """
    db_pool_timeout: float = Field(default=0.5, gt=0, le=60)
    """Seconds to wait for a free pooled connection."""
    worker_threads: int = Field(default=16, ge=2, le=64)
    """Requests answered at once: HTTP threads, and Slack listeners before their ack; bounded, so a hung database holds
    at most these, each for at most `DB_STATEMENT_TIMEOUT`. Work after an ack (the reply, a form, a celebration)
    runs on up to half as many threads again and waits while other requests await their answer (a quarter of a
    second at most), so it never holds a new request's place.
    """
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=3600)
    """How long a SIGTERM waits for work in flight (see above)."""

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

    # Obstacles, the number and creation (issue 10): see docs/reps/coaching.md.
    number_rides_share: float = Field(default=0.5, gt=0, le=10)
    """"Your number rides on one deal" is flagged when the largest deal closing this period is above this share of the
    quota still to win.
    """
    opening_pace_weeks: int = Field(default=8, ge=1, le=52)
    """Weeks of openings the current opening pace ("you open 1.5 a week") is measured over."""
    own_history_min_closed: int = Field(default=5, ge=1, le=1000)
    """Closed deals a rep needs before their own win rate, average win and days to win are used; the team's until then.
    """
    checkpoint_ask_days: int = Field(default=7, ge=1, le=60)
    """A checkpoint is asked on its working morning, and not once it is more than this many days old."""
    quiet_prospecting_days: int = Field(default=14, ge=1, le=365)
    """The leaders' digest counts a rep as quiet on prospecting after this many days with none logged."""
    early_stage_count: int = Field(default=2, ge=1, le=10)
    """How many of the first `OPEN_STAGES` count as early stage for the leaders (Prospecting, Discovery)."""
    manager_slot: str = "mon 08:30"
    """When each manager's private weekly creation digest arrives, in the manager's own time zone."""

    # Fan-out at scale (issue 14): see docs/operators/scaling.md.
    fanout_workers: int = Field(default=8, ge=1, le=64)
    """How many scheduled DMs one bot process sends at once (1–64); Slack's limits set the pace (see Many reps, several
    instances).
    """
    slack_rate_limits: str = ""
    """Per-method limits in calls a minute, overriding Slack's published tiers (`chat.postMessage=300,users.info=50`).
    """
    # 50,000 reps (issue 24): see docs/operators/scaling.md.
    slack_history_limit: Literal["strict", "tier3"] = "strict"
    """How often Slack lets this app read a DM's history, to check that a DM resumed after a crash was not
    already delivered: `strict` (1 call a minute, 15 messages: apps distributed outside the Marketplace) or
    `tier3` (50 a minute: internal and Marketplace apps). Shared by every instance.
    """

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

    # Many workspaces (issue 13): see docs/admins/install.md (installing by link: bot/settings/install.py).
    week_start_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    """The first day of the team's week (`mon` … `sun`): "this week" in celebrations, the digest's week."""
    admin_group: str | None = None
    """A user group id (`S0123ABCD`) whose members may change the workspace's settings."""
    workspace_retention_days: int = Field(default=30, ge=0, le=3650)
    """How long an uninstalled workspace's data is kept before it is erased."""

    @field_validator("celebration_channel")
    @classmethod
    def _blank_channel_is_unset(cls, value: str | None) -> str | None:
        return read.blank_is_none(value)

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _blank_port_is_unset(cls, value: object) -> object:
        return read.blank_is_none(value) if isinstance(value, str) else value

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
    def _one_way_to_reach_slack(self) -> CoreSettings:
        self._together(("slack_client_id", "slack_client_secret"), " (Basic Information page)")
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


class Settings(KeysAndCalendars, CrmSettings, InstallByLink, CoreSettings):
    """Every option the bot reads (the sections' fields in one object), from the environment and `.env`."""


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one plain line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError("\n".join(read.describe(error) for error in exc.errors())) from None
