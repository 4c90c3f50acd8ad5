"""The one Web API client: pointed at SLACK_API_URL, paced by Slack's per-method limits (bot/ratelimit.py),
retrying rate limits (honouring Retry-After for every thread) and Slack's own hiccups."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from bot import metrics
from bot.ratelimit import RateLimiter, SharedRetryAfter, method_of, parse_limits
from bot.settings import Settings

_SINGLE = object()


class PacedWebClient(WebClient):
    """A WebClient whose every call first waits for its method's rate limit."""

    def __init__(self, *args, limiter: RateLimiter, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter

    def api_call(self, api_method: str, **kwargs):  # type: ignore[override]
        self.limiter.acquire(api_method)
        return super().api_call(api_method, **kwargs)


class CountAnswers(RetryHandler):
    """First of the client's retry handlers, which slack_sdk shows every answer (a retried one included):
    counts it by method (ok, error, 429) for GET /metrics, and never asks for a retry itself."""

    def can_retry(self, *, state, request, response=None, error=None) -> bool:
        status = response.status_code if response is not None else None
        ok = status == 200 and bool(response.body and response.body.get("ok"))
        metrics.slack_answered(method_of(request.url), status, ok)
        return False


def make_client(settings: Settings, token: str | None | object = _SINGLE) -> WebClient:
    """slack_sdk retries only connection errors by default; 429 (honouring Retry-After) and 5xx are added here.

    The token is SLACK_BOT_TOKEN unless given (a workspace's own token when installed by link); each client
    has its own limiter, since Slack's limits are per workspace."""
    limiter = RateLimiter(parse_limits(settings.slack_rate_limits))
    return PacedWebClient(
        token=settings.slack_bot_token if token is _SINGLE else token,  # type: ignore[arg-type]
        base_url=settings.slack_api_url,
        timeout=10,
        limiter=limiter,
        retry_handlers=[
            CountAnswers(),
            ConnectionErrorRetryHandler(max_retry_count=2),
            SharedRetryAfter(limiter, max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
