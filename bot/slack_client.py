"""The one Web API client: pointed at SLACK_API_URL, retrying rate limits and Slack's own hiccups."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings

_SINGLE = object()


def make_client(settings: Settings, token: str | None | object = _SINGLE) -> WebClient:
    """slack_sdk retries only connection errors by default; 429 (honouring Retry-After) and 5xx are added here.

    The token is SLACK_BOT_TOKEN unless given (a workspace's own token when installed by link)."""
    return WebClient(
        token=settings.slack_bot_token if token is _SINGLE else token,  # type: ignore[arg-type]
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
