"""The tests' Slack stand-in is the product's embedded Slack (bot/sandbox/slack_api.py) without a workspace:
every Web API call is recorded and answered with a Slack-shaped success unless a test queues another."""

from bot.sandbox.slack_api import DEFAULTS, Answer, Call, SlackStandIn

__all__ = ["DEFAULTS", "Answer", "Call", "SlackStandIn"]
